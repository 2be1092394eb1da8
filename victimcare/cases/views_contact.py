"""Change a victim's contact details and safe-contact rules (services_contact).

Behind step-up re-authentication (accounts/stepup.py): the page shows and
changes a victim's phone, email, address and the rules that keep contact safe.
Only ids are in the URL. Permission as for editing the case's needs
(`cases.edit_needs`); anyone else gets 404, as for every case page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.stepup import step_up_required
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import selectors
from .check_answers import service_errors
from .forms_contact import ContactChangeForm, contact_initial
from .models import Crime, CrimeVictim
from .services_contact import SAFE_FLAGS, victim_contact_update
from .views import login_required_404

TITLE = "Change contact details"
SAVED = "Contact details changed"
NOTHING_CHANGED = "Nothing was changed"
CANCELLED = (
    "{count} waiting message(s) to the victim were cancelled because they are no longer safe"
)


@never_cache
@login_required_404
@require_http_methods(["GET", "POST"])
def contact_change(request: HttpRequest, crime_id: int, victim_id: int) -> HttpResponse:
    """Show a victim's contact details (audited) and save changes to them."""
    crime = selectors.access_crime(user=request.user, crime_id=crime_id)
    if not request.user.has_perm("cases.edit_needs", crime):
        raise Http404("No such page.")
    # Step-up only once the person is known to be allowed here: anyone else
    # gets the 404 above and is never asked for their password.
    return _contact_change(request, crime=crime, victim_id=victim_id)


@step_up_required
def _contact_change(request: HttpRequest, *, crime: Crime, victim_id: int) -> HttpResponse:
    link = get_object_or_404(
        CrimeVictim.objects.select_related("victim"), crime=crime, victim_id=victim_id
    )
    victim = link.victim
    form = ContactChangeForm(
        data=request.POST if request.method == "POST" else contact_initial(victim), victim=victim
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = victim_contact_update(
                actor=request.user,
                crime=crime,
                victim=victim,
                changes=form.changes(),
                request=request,
            )
        except ValidationError as error:
            for key, texts in service_errors(error).items():
                name = "safe_ways" if key in SAFE_FLAGS and key != "wants_updates" else key
                for text in texts:
                    form.add_error(name if name in form.fields else None, text)
        else:
            messages.success(request, SAVED if result.changed else NOTHING_CHANGED)
            if result.cancelled_message_ids:
                messages.info(request, CANCELLED.format(count=len(result.cancelled_message_ids)))
            return redirect("cases:case", crime_id=crime.pk)
    if request.method == "GET":
        # DPA 2018 s.62: showing the recorded details is a consultation.
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            object_type="cases.victim",
            object_id=victim.pk,
            subject_type="cases.victim",
            subject_id=victim.pk,
            purpose="Change contact details",
            detail={"part": "contact", "crime_id": crime.pk},
        )
    response = render(
        request,
        "cases/contact_change.html",
        {"title": TITLE, "form": form, "crime": crime, "victim": victim},
    )
    response["Cache-Control"] = "no-store"
    return response
