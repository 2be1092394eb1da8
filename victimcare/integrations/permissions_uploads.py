"""Who may do what with uploads (rules predicates; filled in by that part of issue 10)."""
