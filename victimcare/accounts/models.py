from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import (
    PermissionsMixin,
    _user_has_module_perms,
    _user_has_perm,
)
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .constants import ROLES_BY_KIND, OrganisationKind, Role


class Organisation(models.Model):
    """A body whose people use victimcare: a force, one of its BCUs or teams, or a partner.

    Organisations form a tree (force → BCU → team). `code` is a stable slug used
    in reference data and the partner API; names are display text.
    """

    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_specialist = models.BooleanField(
        default=False,
        help_text="A specialist team (e.g. safeguarding, sexual offences) that may see restricted cases.",
    )
    active = models.BooleanField(default=True)
    crn_pattern = models.CharField(
        max_length=200,
        blank=True,
        help_text="Police forces: regular expression a crime reference number must match.",
    )
    crn_example = models.CharField(
        max_length=40,
        blank=True,
        help_text="Police forces: an example CRN shown in hints and errors.",
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "name"], name="org_kind_name_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "An organisation cannot be its own parent."})


class Area(models.Model):
    """A local authority area (a London borough), with the BCU that polices it, if any."""

    code = models.CharField(max_length=9, unique=True, help_text="ONS code, e.g. E09000012.")
    name = models.CharField(max_length=100)
    bcu = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="areas",
        limit_choices_to={"kind": OrganisationKind.BCU},
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("role", Role.ADMINISTRATOR)
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A member of staff. Victims never have accounts.

    A person holds one role in one organisation; what they may see follows from
    both (see accounts/permissions.py). `otp_exempt` is set only by `demo`.
    """

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    collar_number = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin.")
    otp_exempt = models.BooleanField(
        default=False, help_text="Demo accounts only: no second factor required."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    # createsuperuser asks for the organisation too: a person without one holds no permission.
    REQUIRED_FIELDS = ["full_name", "organisation"]

    class Meta:
        ordering = ["full_name"]
        indexes = [models.Index(fields=["organisation", "role"], name="user_org_role_idx")]

    def __str__(self) -> str:
        return self.full_name or self.email

    # What a session is bound to besides the password: change any of these and
    # every session of the person ends at its next request (security notes row 4,
    # ASVS v5.0.0-7.4.2, 8.3.2). Django checks the hash on every request.
    SESSION_BOUND_FIELDS = (
        "is_active",
        "role",
        "organisation_id",
        "is_staff",
        "is_superuser",
        "otp_exempt",
    )

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """An HMAC of the password hash and the fields that decide what the
        person may do, so a change of role, organisation or a permission flag
        invalidates existing sessions exactly like a password change."""
        bound = "|".join(f"{name}={getattr(self, name)!s}" for name in self.SESSION_BOUND_FIELDS)
        return salted_hmac(
            "victimcare.accounts.User.session_auth_hash",
            f"{self.password}|{bound}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def has_perm(self, perm: str, obj: object = None) -> bool:
        """Every permission goes through the policy (accounts/permissions.py).

        Unlike Django's default there is no superuser shortcut: `is_superuser`
        grants nothing the policy does not (deny by default)."""
        return self.is_active and _user_has_perm(self, perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and _user_has_module_perms(self, app_label)

    def clean(self) -> None:
        self.email = self.email.lower()
        if self.organisation_id and self.role:
            allowed = ROLES_BY_KIND.get(self.organisation.kind, frozenset())
            if self.role not in allowed:
                raise ValidationError(
                    {
                        "role": f"A {self.organisation.get_kind_display().lower()} has no {self.get_role_display().lower()} role."
                    }
                )
