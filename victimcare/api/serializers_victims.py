"""Serializers of views_victims.py: a person added to a recorded crime, and a
crime's shares with partner organisations.

The person sent is `serializers.VictimInputSerializer`, the shape a person has
in `POST /crimes/`. What comes back is what `GET /crimes/{crn}/` shows of the
people on a crime (their id, role and whether they are the primary contact,
`serializers.CrimeVictimOutputSerializer`), never their names or contact
details, plus the duties made for a person just added.
"""

from __future__ import annotations

from rest_framework import serializers

from victimcare.cases import messages as case_messages

from .serializers import CrimeVictimOutputSerializer, DutyOutputSerializer

# ---------------------------------------------------------------- people on a crime


class CrimePeopleSerializer(serializers.Serializer):
    """The people on a crime, as GET /crimes/{crn}/ lists them."""

    crn = serializers.CharField()
    victims = CrimeVictimOutputSerializer(
        many=True, help_text="Primary contact first, then in the order they were added."
    )


class PersonAddedSerializer(CrimeVictimOutputSerializer):
    """A person just added to a crime: their id and link, and the duties made for them."""

    crn = serializers.CharField()
    duties = DutyOutputSerializer(
        many=True,
        help_text=(
            "The Victims' Code duties made for this person, soonest deadline first. A "
            "victim or bereaved relative added after the crime was recorded is owed the "
            "reporting duties from now. A parent, guardian or nominated contact receives "
            "the victim's duties on their behalf, so is owed none of their own (an empty "
            "list) unless nobody else on the crime is."
        ),
    )


# ---------------------------------------------------------------- shares

ORGANISATION_CODE_MAX = 80  # accounts.Organisation.code

SHARE_ORGANISATION_REQUIRED = (
    "Give the code of the organisation to share the case with, for example wcu-east."
)
SHARE_ORGANISATION_UNKNOWN = (
    "There is no organisation with this code. Use the code of an active partner "
    "organisation or specialist police team, for example wcu-east."
)
SHARE_ORGANISATION_UNKNOWN_CODE = "does_not_exist"
# The service's own refusal ("Select an active ...") is worded for the page.
SHARE_ORGANISATION_NOT_SHAREABLE = (
    "A case can be shared only with an active partner organisation (such as a Witness "
    "Care Unit, the CPS or probation) or a specialist police team. This organisation "
    "is not one."
)


class ShareInputSerializer(serializers.Serializer):
    organisation = serializers.CharField(
        max_length=ORGANISATION_CODE_MAX,
        help_text=(
            "The code of the organisation to share the case with: a partner organisation "
            "(e.g. a Witness Care Unit, the CPS, probation, a support organisation) or a "
            "specialist police team."
        ),
        error_messages={
            "required": SHARE_ORGANISATION_REQUIRED,
            "blank": SHARE_ORGANISATION_REQUIRED,
            "null": SHARE_ORGANISATION_REQUIRED,
            "max_length": SHARE_ORGANISATION_UNKNOWN,
        },
    )
    reason = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional: why it is shared, e.g. the trial is listed at this court.",
        error_messages={"max_length": case_messages.SHARE_REASON_TOO_LONG},
    )


class ShareOutputSerializer(serializers.Serializer):
    """A crime shared with an organisation: its members may see the case."""

    organisation = serializers.CharField(source="organisation.code")
    organisation_name = serializers.CharField(source="organisation.name")
    shared_at = serializers.DateTimeField()
    reason = serializers.CharField(allow_blank=True)


class CrimeSharesSerializer(serializers.Serializer):
    crn = serializers.CharField()
    shares = ShareOutputSerializer(many=True, help_text="Oldest first.")
