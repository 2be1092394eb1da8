"""Who may do what with tokens (rules predicates; filled in by that part of issue 10)."""
