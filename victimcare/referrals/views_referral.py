"""The officer's referral page for one person on one crime: the suggested
services (and why), referrals already made and their state, where consent
stands, and the form to refer (choose a service and risk level, confirm
consent given now). The data-quality gate's problems come back in the GOV.UK
error summary. And "the victim does not want a referral".

For people who may make referrals on the crime (`referrals.make_referral`:
they may view it and act on its police duties); anyone else gets the ordinary
404. The page names the person: each showing is audited (a consultation, DPA
2018 s.62), with the purpose derived from the duty. URLs carry ids only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.models import User
from victimcare.cases.models import Crime, CrimeVictim, Victim
from victimcare.cases.selectors import access_crime
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties.views import when

from .constants import ReferralState, ServiceKind
from .directory import eligibility_notes, suggested_services
from .forms_referral import DeclineForm, ReferralForm
from .gate import ConsentPosition, consent_position
from .models import Referral, SupportService
from .permissions import MAKE_REFERRAL
from .services import (
    DISCLOSURE_PURPOSE,
    owed_referral_duty,
    referral_consent_record,
    referral_deadline,
    referral_decline_record,
    referral_send,
)

SENT = "Referral sent to {service}"
DECLINED = "Recorded: the victim does not want a referral"
STATE_TAGS = {
    ReferralState.SENT: "govuk-tag--blue",
    ReferralState.ACCEPTED: "govuk-tag--turquoise",
    ReferralState.DECLINED: "govuk-tag--red",
    ReferralState.CONTACT_MADE: "govuk-tag--green",
    ReferralState.NOT_REACHED: "govuk-tag--orange",
    ReferralState.SUPPORT_STARTED: "govuk-tag--green",
    ReferralState.CLOSED: "govuk-tag--grey",
    ReferralState.WITHDRAWN: "govuk-tag--grey",
}


def access_referral_person(*, user: User, crime_id: int, victim_id: int) -> tuple[Crime, Victim]:
    """The crime and the person on it, if `user` may make referrals for them; else 404."""
    crime = access_crime(user=user, crime_id=crime_id)
    if not user.has_perm(MAKE_REFERRAL, crime):
        raise Http404("No such page.")
    victim = Victim.objects.filter(pk=victim_id, crime_links__crime=crime).first()
    if victim is None:
        raise Http404("No such page.")
    return crime, victim


def _audit_view(request: HttpRequest, crime: Crime, victim: Victim) -> None:
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type="cases.crime",
        object_id=crime.pk,
        subject_type="cases.victim",
        subject_id=victim.pk,
        purpose=DISCLOSURE_PURPOSE,
        detail={"page": "referral"},
    )


def _consent_text(position: ConsentPosition) -> tuple[str, bool]:
    """What the page says about consent, and whether it is a warning."""
    latest = position.latest
    if position.declined and latest is not None:
        return (
            f"The victim said they do not want a referral ({when(latest.recorded_at)}, "
            f"{latest.get_method_display().lower()}).",
            True,
        )
    if position.given and latest is not None:
        return (
            f"The victim agreed to be referred ({when(latest.recorded_at)}, "
            f"{latest.get_method_display().lower()}).",
            False,
        )
    if position.needs_explicit:
        return (
            "Ask the victim first: explicit consent is needed before a referral because "
            + " and ".join(position.explicit_reasons)
            + ".",
            True,
        )
    return (
        "Automatic referral: the victim is referred unless they say they do not want it.",
        False,
    )


def _why(service: SupportService, crime: Crime, *, best: bool) -> str:
    parts = [str(service.get_kind_display())]
    parts.append(f"covers {crime.area.name}")
    if service.waiting_days:
        parts.append(f"usual wait {service.waiting_days} days")
    if best:
        parts.insert(0, "Best fit")
    return "; ".join(parts)


def _service_choices(suggested: list[SupportService]) -> list[tuple[str, str]]:
    choices = [(str(s.pk), f"{s.name} (suggested)") for s in suggested]
    seen = {s.pk for s in suggested}
    for service in SupportService.objects.filter(active=True).order_by("name", "pk"):
        if service.pk not in seen:
            choices.append((str(service.pk), service.name))
    return choices


def _referral_rows(crime: Crime, victim: Victim) -> list[dict[str, Any]]:
    rows = []
    for referral in (
        Referral.objects.filter(crime=crime, victim=victim)
        .select_related("service")
        .order_by("-sent_at", "-pk")
    ):
        rows.append(
            {
                "service": referral.service.name,
                "sent": when(referral.sent_at),
                "how": "Automatically" if referral.automatic else "By a person",
                "state": referral.get_state_display(),
                "tag": STATE_TAGS.get(referral.state, "govuk-tag--grey"),
                "on_time": "Yes" if referral.within_deadline else "No",
            }
        )
    return rows


def _page(
    request: HttpRequest, crime: Crime, victim: Victim, form: ReferralForm, *, risk: str
) -> HttpResponse:
    position = consent_position(crime=crime, victim=victim)
    consent_text, consent_warning = _consent_text(position)
    suggested = suggested_services(crime=crime, victim=victim, risk_level=risk)
    duty = owed_referral_duty(crime=crime, victim=victim)
    role = (
        CrimeVictim.objects.filter(crime=crime, victim=victim)
        .values_list("role", flat=True)
        .first()
    )
    role_names = dict(CrimeVictim._meta.get_field("role").choices)  # type: ignore[arg-type]
    response = render(
        request,
        "referrals/referral_page.html",
        {
            "title": "Refer to a support service",
            "crime": crime,
            "victim": victim,
            "role": role_names.get(role, ""),
            "form": form,
            "consent_text": consent_text,
            "consent_warning": consent_warning,
            "declined": position.declined,
            "duty_text": (
                f"Victims' Code Right 4: refer by {when(duty.due_at)}."
                if duty is not None
                else f"Referral due by {when(referral_deadline(crime=crime, victim=victim))}; "
                "no duty is owed now."
            ),
            "suggestions": [
                {
                    "name": s.name,
                    "why": _why(s, crime, best=i == 0),
                    "general": s.kind == ServiceKind.GENERAL,
                }
                for i, s in enumerate(suggested)
            ],
            "notes": eligibility_notes(crime=crime, victim=victim, risk_level=risk),
            "referrals": _referral_rows(crime, victim),
            "action": reverse("referrals:referral", args=[crime.pk, victim.pk]),
            "decline_href": reverse("referrals:referral-decline", args=[crime.pk, victim.pk]),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _add_service_errors(form: ReferralForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for key, texts in error.message_dict.items():
            field = key if key in form.fields else None
            for text in texts:
                form.add_error(field, text)
    else:
        # The gate's problems: each is fixed somewhere else (the case, the needs
        # assessment, the consent), so they sit at the top of the summary.
        for text in error.messages:
            form.add_error(None, text)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def referral_page(request: HttpRequest, crime_id: int, victim_id: int) -> HttpResponse:
    crime, victim = access_referral_person(
        user=request.user, crime_id=crime_id, victim_id=victim_id
    )
    _audit_view(request, crime, victim)
    risk = ""
    if request.method == "POST":
        risk = request.POST.get("risk_level", "")
        risk = risk if risk in {"standard", "medium", "high"} else ""
    suggested = suggested_services(crime=crime, victim=victim, risk_level=risk)
    choices = _service_choices(suggested)
    if request.method != "POST":
        initial = {"service": str(suggested[0].pk)} if suggested else {}
        return _page(
            request, crime, victim, ReferralForm(services=choices, initial=initial), risk=risk
        )
    form = ReferralForm(request.POST, services=choices)
    if form.is_valid():
        service = SupportService.objects.get(pk=int(form.cleaned_data["service"]))
        try:
            if form.cleaned_data["consent_now"]:
                referral_consent_record(
                    actor=request.user,
                    crime=crime,
                    victim=victim,
                    method=form.cleaned_data["method"],
                    request=request,
                )
            referral_send(
                actor=request.user,
                crime=crime,
                victim=victim,
                service=service,
                risk_level=form.risk_level_value(),
                request=request,
            )
        except PermissionDenied as denied:
            raise Http404("No such page.") from denied
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, SENT.format(service=service.name))
            return redirect("referrals:referral", crime_id=crime.pk, victim_id=victim.pk)
    return _page(request, crime, victim, form, risk=risk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def referral_decline(request: HttpRequest, crime_id: int, victim_id: int) -> HttpResponse:
    crime, victim = access_referral_person(
        user=request.user, crime_id=crime_id, victim_id=victim_id
    )
    _audit_view(request, crime, victim)
    form = DeclineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            referral_decline_record(
                actor=request.user,
                crime=crime,
                victim=victim,
                method=form.cleaned_data["method"],
                request=request,
            )
        except PermissionDenied as denied:
            raise Http404("No such page.") from denied
        except ValidationError as error:
            for key, texts in error.message_dict.items():
                for text in texts:
                    form.add_error("method" if key == "method" else None, text)
        else:
            messages.success(request, DECLINED)
            return redirect("cases:case", crime_id=crime.pk)
    response = render(
        request,
        "referrals/referral_decline.html",
        {
            "title": "The victim does not want a referral",
            "crime": crime,
            "victim": victim,
            "form": form,
            "back_href": reverse("referrals:referral", args=[crime.pk, victim.pk]),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
