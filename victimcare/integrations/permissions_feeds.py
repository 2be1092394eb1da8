"""Who may do what with feeds (rules predicates; filled in by that part of issue 10)."""
