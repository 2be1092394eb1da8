"""`victimcare demo`: a deterministic synthetic London that anyone can sign in to.

The runs use --scale 0.2 (about 200 people) to stay fast; the shape of the
data does not depend on the scale, only the number of people does.
"""

from __future__ import annotations

import json
import re
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from victimcare.accounts.constants import POLICE_KINDS, ROLES_BY_KIND, OrganisationKind, Role
from victimcare.accounts.models import Area, Organisation, User
from victimcare.accounts.reference import DATA_DIR as REFERENCE_DIR
from victimcare.demo.catalogue import demo_catalogue
from victimcare.demo.constants import ALREADY_PRESENT, DEMO_PASSWORD, REFUSE_POPULATED
from victimcare.demo.models import DemoOrganisation
from victimcare.demo.pipeline import demo_steps
from victimcare.demo.steps.referral_services import (
    EXTRA_ORGANISATIONS as EXTRA_SUPPORT_ORGANISATIONS,
)

pytestmark = pytest.mark.django_db

SCALE = "0.2"
LONDON = json.loads((REFERENCE_DIR / "london.json").read_text())
SIGN_INS = demo_catalogue(name="london").sign_ins


def demo(*args: str) -> str:
    """Run `victimcare demo` with the given arguments; return what it printed."""
    out = StringIO()
    call_command("demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def dump() -> dict[str, list[tuple[Any, ...]]]:
    """A canonical dump of everything the demo makes, by natural keys (never by pk)."""
    return {
        "organisations": sorted(
            Organisation.objects.values_list(
                "code", "name", "kind", "parent__code", "is_specialist", "active"
            )
        ),
        "areas": sorted(Area.objects.values_list("code", "name", "bcu__code")),
        "users": sorted(
            (u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8].isoformat())
            for u in User.objects.values_list(
                "email",
                "full_name",
                "organisation__code",
                "role",
                "collar_number",
                "password",
                "otp_exempt",
                "is_staff",
                "date_joined",
            )
        ),
    }


def generated_people(data: dict[str, list[tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
    well_known = {s.email for s in SIGN_INS}
    return [u for u in data["users"] if u[0] not in well_known]


def test_same_seed_gives_identical_data_after_a_reset() -> None:
    demo("--seed", "7", "--scale", SCALE)
    first = dump()

    demo("--seed", "7", "--scale", SCALE, "--reset")

    assert dump() == first
    assert len(first["users"]) > 150
    assert len(first["organisations"]) > 60


def test_a_different_seed_gives_different_people_but_the_same_sign_ins() -> None:
    demo("--seed", "1", "--scale", SCALE)
    one = dump()

    demo("--seed", "2", "--scale", SCALE, "--reset")
    two = dump()

    assert one["organisations"] == two["organisations"]
    assert len(one["users"]) == len(two["users"])
    assert generated_people(one) != generated_people(two)
    assert {u[1] for u in generated_people(one)} != {u[1] for u in generated_people(two)}

    def sign_ins(data: dict[str, list[tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
        return [u[:5] for u in data["users"] if u[0] in {s.email for s in SIGN_INS}]

    assert sign_ins(one) == sign_ins(two)
    assert len(sign_ins(one)) == len(SIGN_INS)


def test_every_borough_and_bcu_of_the_reference_file_is_present_and_linked() -> None:
    demo("--scale", SCALE)

    force = Organisation.objects.get(code=LONDON["force"]["code"])
    for bcu in LONDON["bcus"]:
        org = Organisation.objects.get(code=bcu["code"], kind=OrganisationKind.BCU, parent=force)
        assert org.name == bcu["name"]
        assert sorted(org.areas.values_list("code", flat=True)) == sorted(
            a["code"] for a in bcu["areas"]
        )
        teams = org.children.filter(kind=OrganisationKind.TEAM)
        assert teams.count() >= 4
        assert teams.filter(is_specialist=True).exists(), f"{org.name} has no specialist team"
    assert Area.objects.count() == 33
    assert Area.objects.get(code="E09000001").bcu is None


def test_every_role_in_every_kind_of_organisation_and_no_other() -> None:
    demo("--scale", SCALE)

    present = set(User.objects.values_list("organisation__kind", "role").distinct())

    expected = {(kind, role) for kind, roles in ROLES_BY_KIND.items() for role in roles}
    assert present == expected
    assert {role for _, role in present} == set(Role.values)
    assert not User.objects.filter(organisation__isnull=True).exists()


def test_the_organisations_a_london_demo_needs() -> None:
    demo("--scale", SCALE)

    def names(kind: str) -> set[str]:
        return set(Organisation.objects.filter(kind=kind).values_list("name", flat=True))

    assert names(OrganisationKind.VICTIM_FOCUS_DESK) == {"Victim Focus Desk"}
    assert len(names(OrganisationKind.WITNESS_CARE_UNIT)) >= 3
    assert names(OrganisationKind.CPS) == {"CPS London North", "CPS London South"}
    court_names = names(OrganisationKind.COURT)
    assert any("Magistrates' Court" in n for n in court_names) and any(
        "Crown Court" in n for n in court_names
    )
    assert len(names(OrganisationKind.PROBATION)) == 1
    assert len(names(OrganisationKind.SUPPORT_ORGANISATION)) >= 5
    assert names(OrganisationKind.OVERSIGHT_BODY) == {"Mayor's Office for Policing and Crime"}


def test_contact_details_and_collar_numbers_are_fake() -> None:
    demo("--scale", SCALE)

    emails = list(User.objects.values_list("email", flat=True))
    assert all(re.fullmatch(r"[a-z0-9.\-]+@example\.org", e) for e in emails)
    police = User.objects.filter(
        organisation__kind__in=POLICE_KINDS, role__in=[Role.OFFICER, Role.SUPERVISOR]
    )
    collars = list(police.values_list("collar_number", flat=True))
    assert all(c.isdigit() and len(c) == 6 for c in collars)
    assert len(set(collars)) == len(collars)
    assert (
        not User.objects.exclude(organisation__kind__in=POLICE_KINDS)
        .exclude(collar_number="")
        .exists()
    )
    assert User.objects.filter(otp_exempt=False).count() == 0


def test_timestamps_come_from_the_demo_epoch_not_the_clock() -> None:
    demo("--scale", SCALE)

    epoch = demo_catalogue(name="london").epoch
    latest = User.objects.order_by("-date_joined").values_list("date_joined", flat=True).first()
    assert latest is not None and latest <= epoch


def test_the_printed_sign_ins_authenticate_with_the_printed_password() -> None:
    out = demo("--scale", SCALE)

    assert "http://127.0.0.1:8000/sign-in/" in out
    password = re.search(r"Password for every demo account: (\S+)", out).group(1)  # type: ignore[union-attr]
    assert password == DEMO_PASSWORD
    printed = re.findall(r"\b[a-z\-]+@example\.org\b", out)
    assert printed == [s.email for s in SIGN_INS]
    for email in printed:
        request = RequestFactory().post("/sign-in/")
        user = authenticate(request, email=email, password=password)
        assert user is not None, email
        assert user.otp_exempt and user.role in ROLES_BY_KIND[user.organisation.kind]
    printed_roles = {User.objects.get(email=e).role for e in printed}
    assert printed_roles == set(Role.values)


def test_password_is_hashed_once_with_the_configured_hasher_and_shared() -> None:
    demo("--scale", SCALE)

    hashes = set(User.objects.values_list("password", flat=True))
    assert len(hashes) == 1
    assert hashes.pop().startswith("md5$")  # tests/settings.py configures the MD5 hasher


def test_if_empty_does_nothing_on_a_populated_database() -> None:
    demo("--seed", "3", "--scale", SCALE)
    before = dump()

    out = demo("--seed", "4", "--if-empty")

    assert dump() == before
    assert ALREADY_PRESENT in out
    assert "officer@example.org" in out and DEMO_PASSWORD in out


def test_if_empty_generates_when_only_reference_data_exists() -> None:
    call_command("load_reference_data", stdout=StringIO())

    demo("--if-empty", "--scale", SCALE)

    assert User.objects.filter(email="officer@example.org").exists()


def test_without_flags_a_populated_database_is_refused_with_exit_code_2(officer: User) -> None:
    before = dump()

    with pytest.raises(CommandError) as refused:
        demo("--scale", SCALE)

    assert refused.value.returncode == 2
    assert str(refused.value) == REFUSE_POPULATED
    assert dump() == before


def test_the_console_command_exits_2_when_refusing(officer: User) -> None:
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["victimcare", "demo", "--seed", "1", "--quiet"])

    assert exited.value.code == 2


def test_reset_deletes_only_demo_data(orgs: dict[str, Organisation], officer: User) -> None:
    """Olivia (a real officer, not otp_exempt) and the persona organisations survive a reset."""
    call_command("load_reference_data", stdout=StringIO())
    demo("--scale", SCALE, "--reset")
    demo_people = User.objects.filter(otp_exempt=True).count()

    demo("--scale", SCALE, "--reset")

    assert User.objects.filter(pk=officer.pk).exists()
    assert Organisation.objects.filter(pk__in=[o.pk for o in orgs.values()]).count() == len(orgs)
    assert User.objects.filter(otp_exempt=True).count() == demo_people
    # The catalogue's organisations and the support organisations the directory step adds.
    assert DemoOrganisation.objects.count() == len(
        demo_catalogue(name="london").demo_organisations
    ) + len(EXTRA_SUPPORT_ORGANISATIONS)


def test_reset_refuses_and_changes_nothing_when_a_real_person_is_in_a_demo_team() -> None:
    demo("--scale", SCALE)
    team = Organisation.objects.get(code="met-central-east-response")
    User.objects.create_user(
        "real.person@example.org", "x" * 16, organisation=team, role=Role.OFFICER
    )
    before = dump()

    with pytest.raises(CommandError, match="did not create still refer to them"):
        demo("--scale", SCALE, "--reset")

    assert dump() == before


def test_scale_changes_the_number_of_people_not_the_organisations() -> None:
    demo("--scale", SCALE)
    small = dump()

    demo("--scale", "1", "--reset")
    full = dump()

    assert small["organisations"] == full["organisations"]
    assert 500 < len(full["users"]) < 1500  # hundreds of people at scale 1
    assert len(full["users"]) > 3 * len(small["users"])


def test_queries_do_not_grow_with_the_number_of_rows() -> None:
    """Bulk inserts: five times the people costs no more than a few extra batched queries."""
    demo("--scale", SCALE)
    # Both measured runs reset first, so the delete collector's fixed cost (one
    # look per model pointing at people or organisations) is on both sides.
    with CaptureQueriesContext(connection) as small:
        demo("--scale", SCALE, "--reset")
    with CaptureQueriesContext(connection) as large:
        demo("--scale", "1", "--reset")

    generated = User.objects.count()
    assert generated > 500
    # A fixed cost per step and per model that points at people or organisations
    # (the reset's delete collector looks at each); it must not grow with rows.
    # The insights step's full rollup rebuild is a fixed ~35 of them (one GROUP
    # BY per source and dimension, plus compliance, statements and referrals).
    assert len(large.captured_queries) < 250
    assert len(large.captured_queries) - len(small.captured_queries) < 20


def test_the_pipeline_runs_its_steps_in_order() -> None:
    names = [s.name for s in demo_steps()]
    assert names[:3] == ["reference", "organisations", "people"]


def test_no_progress_bar_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    demo("--scale", SCALE)

    assert capsys.readouterr().err == ""


def test_an_organisation_with_a_demo_code_that_the_demo_did_not_make_stops_the_run() -> None:
    Organisation.objects.create(
        code="mopac", kind=OrganisationKind.OVERSIGHT_BODY, name="Hand-made"
    )

    with pytest.raises(CommandError, match="not created by the demo: mopac"):
        demo("--scale", SCALE, "--reset")

    assert not User.objects.exists()


def test_generated_people_pass_the_model_validation() -> None:
    demo("--scale", SCALE)

    sample = list(User.objects.select_related("organisation").order_by("email")[::10])
    assert len(sample) > 15
    for person in sample:
        person.full_clean()  # includes User.clean(): the role is allowed for the organisation


def test_a_hand_made_account_with_a_well_known_address_stops_the_run_cleanly() -> None:
    User.objects.create_user("officer@example.org", "x" * 16, role=Role.ADMINISTRATOR)

    with pytest.raises(CommandError, match="already exists and was not created by the demo"):
        demo("--scale", SCALE, "--reset")

    assert User.objects.count() == 1
    assert not Organisation.objects.exists()
