"""Factories for the named personas and anything else tests need. Fake values only."""

from __future__ import annotations

import factory

from victimcare.accounts.constants import OrganisationKind, Role
from victimcare.accounts.models import Organisation, User

TEST_PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    kind = OrganisationKind.TEAM
    name = factory.Sequence(lambda n: f"Test organisation {n}")
    code = factory.Sequence(lambda n: f"test-org-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    role = Role.OFFICER
    organisation = factory.SubFactory(OrganisationFactory)
    otp_exempt = False

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: object) -> None:  # type: ignore[misc]  # noqa: N805
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])
