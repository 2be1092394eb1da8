"""The reference data loader: London's force, BCUs and boroughs come from a JSON file, idempotently."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import Area, Organisation
from victimcare.accounts.reference import DATA_DIR, reference_load

pytestmark = pytest.mark.django_db

LONDON = json.loads((DATA_DIR / "london.json").read_text())


def _snapshot() -> tuple[list[tuple], list[tuple]]:
    orgs = sorted(Organisation.objects.values_list("pk", "code", "kind", "name", "parent__code"))
    areas = sorted(Area.objects.values_list("pk", "code", "name", "bcu__code"))
    return orgs, areas


def test_london_file_lists_all_33_areas_with_ons_codes() -> None:
    codes = [a["code"] for b in LONDON["bcus"] for a in b["areas"]]
    codes += [a["code"] for a in LONDON["areas_without_bcu"]]
    assert sorted(codes) == [f"E090000{i:02d}" for i in range(1, 34)]
    assert len(LONDON["bcus"]) == 12


def test_loads_the_force_every_bcu_and_every_borough_pointing_at_its_bcu() -> None:
    reference_load(name="london")

    force = Organisation.objects.get(code="met")
    assert (force.kind, force.name) == (
        OrganisationKind.POLICE_FORCE,
        "Metropolitan Police Service",
    )
    for bcu in LONDON["bcus"]:
        org = Organisation.objects.get(code=bcu["code"])
        assert (org.kind, org.name, org.parent_id) == (OrganisationKind.BCU, bcu["name"], force.pk)
        for area in bcu["areas"]:
            assert Area.objects.get(code=area["code"]).bcu_id == org.pk
    city = Area.objects.get(code="E09000001")
    assert (city.name, city.bcu) == ("City of London", None)
    assert Area.objects.get(code="E09000012").bcu.name == "Central East"  # Hackney


def test_loading_twice_changes_nothing() -> None:
    first = reference_load(name="london")
    before = _snapshot()

    second = reference_load(name="london")

    assert len(first.created) == 1 + 12 + 33
    assert not second.changed and second.unchanged == 1 + 12 + 33
    assert _snapshot() == before


def test_loading_again_repairs_edited_rows_in_place() -> None:
    reference_load(name="london")
    before = _snapshot()
    Organisation.objects.filter(code="met-north").update(name="Renamed")
    Area.objects.filter(code="E09000010").update(bcu=None)

    result = reference_load(name="london")

    assert sorted(result.updated) == ["area:E09000010", "organisation:met-north"]
    assert _snapshot() == before


def test_command_loads_by_name_and_reports_unknown_names() -> None:
    out = StringIO()
    call_command("load_reference_data", "--name", "london", stdout=out)
    call_command("load_reference_data", stdout=out)
    assert "46 created" in out.getvalue() and "0 created, 0 updated, 46 unchanged" in out.getvalue()

    with pytest.raises(CommandError, match="No reference data called 'atlantis'"):
        call_command("load_reference_data", "--name", "atlantis")
    with pytest.raises(CommandError, match="not a reference data name"):
        call_command("load_reference_data", "--name", "../secrets")
