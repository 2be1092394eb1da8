"""Model fields for personal data: encrypted text and its blind index.

    phone = EncryptedTextField(null=True, blank=True)
    phone_index = BlindIndexField(source="phone", kind="phone")

    Model.objects.filter(phone_index=blind_index("07700 900123", kind="phone"))

An encrypted column cannot be filtered, ordered or constrained (every token is
different), so look-ups and uniqueness go on the blind index.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression

from .crypto import BLIND_INDEX_KINDS, blind_index, decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text stored as a Fernet token (see core.crypto) and decrypted on load.

    Guarantees: the database only ever receives tokens through this field (None
    stays NULL); values read through the ORM are plaintext; any lookup other
    than `isnull` raises FieldError instead of silently matching nothing.
    `QuerySet.update(field=value)` encrypts too; only an explicit expression
    (as `reencrypt_fields` uses to write rotated tokens) bypasses it.
    """

    description = "Text encrypted at rest"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt_text(str(value))

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value is None:
            return None
        return decrypt_text(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted and supports only the "
                f"'isnull' lookup, not '{lookup_name}'. Look it up through its blind index."
            )
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(
            f"{self.model.__name__}.{self.name} is encrypted and cannot be transformed "
            f"('{lookup_name}')."
        )

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if self.unique or self.db_index or self.primary_key:
            errors.append(
                checks.Error(
                    "An encrypted field cannot be unique, indexed or a primary key "
                    "(every token differs); put the index or constraint on a BlindIndexField.",
                    obj=self,
                    id="core.E101",
                )
            )
        return errors


class BlindIndexField(models.CharField):  # type: ignore[type-arg]
    """A 64-character HMAC of another field's value, kept in step on every save().

    `source` names the plaintext field (usually an EncryptedTextField) and
    `kind` the normalisation ("phone" or "email"). An empty or None source gives
    NULL, so a unique constraint on the index allows many rows without a value.
    Because the index is computed in `pre_save`, a `save(update_fields=[...])`
    that names the source must name the index too, and `QuerySet.update()` of
    the source does not refresh it.
    """

    description = "Blind index (HMAC-SHA256) of another field"

    def __init__(self, *args: Any, source: str, kind: str, **kwargs: Any) -> None:
        self.source = source
        self.kind = kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["kind"] = self.kind
        for key, default in (
            ("max_length", 64),
            ("db_index", True),
            ("null", True),
            ("blank", True),
        ):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        if kwargs.get("editable") is False:
            kwargs.pop("editable")
        else:
            kwargs["editable"] = True
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str | None:
        raw = getattr(model_instance, self.source)
        index = blind_index(str(raw), kind=self.kind) if raw not in (None, "") else None
        setattr(model_instance, self.attname, index)
        return index

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if self.kind not in BLIND_INDEX_KINDS:
            errors.append(
                checks.Error(f"Unknown blind index kind {self.kind!r}.", obj=self, id="core.E102")
            )
        try:
            self.model._meta.get_field(self.source)
        except FieldDoesNotExist:
            errors.append(
                checks.Error(
                    f"BlindIndexField source {self.source!r} is not a field of this model.",
                    obj=self,
                    id="core.E103",
                )
            )
        return errors
