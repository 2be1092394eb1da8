"""Who may do what with webhooks (rules predicates; filled in by that part of issue 10)."""
