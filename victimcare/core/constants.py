from django.db import models


class AuditAction(models.TextChoices):
    """What was done to personal data (DPA 2018 s.62: consultation, disclosure, alteration…)."""

    VIEW = "view", "Viewed"
    SEARCH = "search", "Searched"
    CREATE = "create", "Created"
    CHANGE = "change", "Changed"
    DELETE = "delete", "Erased"
    EXPORT = "export", "Exported"
    DISCLOSE = "disclose", "Disclosed"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
    SIGN_OUT = "sign_out", "Signed out"
    LOCKED_OUT = "locked_out", "Locked out"
    SECOND_FACTOR_ADDED = "second_factor_added", "Added a second factor"
    ACCESS_DENIED = "access_denied", "Was refused access"
