"""Enumerations and fixed values of partner integration."""

from django.db import models


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed: no more attempts"
    CANCELLED = "cancelled", "Cancelled (subscription disabled)"


class Rhythm(models.TextChoices):
    """How often a partner feed is expected to send something."""

    WORKING_DAY = "working_day", "Every working day"
    DAY = "day", "Every day"
    WEEK = "week", "Every week"


class UploadState(models.TextChoices):
    PENDING = "pending", "Waiting to be checked"
    CHECKING = "checking", "Being checked"
    APPLIED = "applied", "Applied"
    REJECTED = "rejected", "Rejected"


class UploadFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON"
