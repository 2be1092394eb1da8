"""The evidence base's raw sources, seen the same way by the rollups and the
publication: for each dimension, the database expression giving a rating's
value (blank or missing → `NOT_KNOWN`), and its borough.

Feedback responses (`feedback.Response`): the borough and offence group are the
invitation's crime's; the contact type is the kind of the contact event the
invitation was about (a visit, call, letter or message), "street" for an
officer's personal card (no case), else "report". Age band, ethnicity,
disability and needs recognised are the victim's own answers on the form.
Survey responses (`insights.SurveyResponse`) hold every dimension as imported.
"""

from __future__ import annotations

from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, NullIf

from victimcare.cases.constants import EventCode
from victimcare.feedback.constants import InvitationChannel
from victimcare.feedback.models import Response

from .constants import ALL_VALUE, NOT_KNOWN, ContactType, Dimension
from .models import SurveyResponse

FEEDBACK_AREA = "invitation__crime__area"
SURVEY_AREA = "area"
SATISFIED_RATINGS = (4, 5)

_CONTACT_EVENT = "invitation__contact_event__code"
CONTACT_TYPE_BY_EVENT = {
    EventCode.CONTACT_VISIT: ContactType.VISIT,
    EventCode.CONTACT_CALL: ContactType.CALL,
    EventCode.CONTACT_LETTER: ContactType.LETTER,
    EventCode.CONTACT_MESSAGE: ContactType.MESSAGE,
}

_FEEDBACK_FIELDS = {
    Dimension.OFFENCE_GROUP: "invitation__crime__offence__group",
    Dimension.AGE_BAND: "age_band",
    Dimension.ETHNICITY: "ethnicity",
    Dimension.DISABILITY: "disability",
    Dimension.NEEDS_RECOGNISED: "needs_recognised",
}


def _known(path: str) -> Combinable:
    return Coalesce(NullIf(F(path), Value("")), Value(NOT_KNOWN), output_field=CharField())


def _contact_type() -> Combinable:
    whens = [
        When(**{_CONTACT_EVENT: code}, then=Value(str(kind)))
        for code, kind in CONTACT_TYPE_BY_EVENT.items()
    ]
    whens.append(
        When(
            Q(invitation__contact_event__isnull=True, invitation__channel=InvitationChannel.CARD),
            then=Value(str(ContactType.STREET)),
        )
    )
    return Case(*whens, default=Value(str(ContactType.REPORT)), output_field=CharField())


def feedback_value(dimension: str) -> Combinable:
    """The expression giving a feedback response's value in `dimension`."""
    if dimension == Dimension.ALL:
        return Value(ALL_VALUE, output_field=CharField())
    if dimension == Dimension.CONTACT_TYPE:
        return _contact_type()
    return _known(_FEEDBACK_FIELDS[dimension])


def survey_value(dimension: str) -> Combinable:
    """The expression giving a survey response's value in `dimension`."""
    if dimension == Dimension.ALL:
        return Value(ALL_VALUE, output_field=CharField())
    return _known(str(dimension))


def feedback_responses() -> QuerySet[Response]:
    return Response.objects.all()


def survey_responses() -> QuerySet[SurveyResponse]:
    return SurveyResponse.objects.all()
