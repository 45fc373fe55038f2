"""Organisations carry where their postcode is, kept by the actions that set it and
backfilled for the rows that existed before."""

import importlib

import pytest
from django.apps import apps

from core.models import AuditEvent
from geography import grid
from geography.lookup import locate
from geography.models import Postcode
from organisations.actions import (
    create_organisation,
    relocate_organisations,
    set_organisation_postcode,
)
from organisations.models import Organisation

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("organisations.migrations.0005_organisation_location")


def located_at(organisation, postcode):
    there = locate(postcode)
    return (organisation.latitude, organisation.longitude, organisation.cell) == (
        there.latitude,
        there.longitude,
        grid.cell(there.latitude, there.longitude),
    )


def gp(area, postcode, name="Practice"):
    return create_organisation(by=None, area=area, kind="gp_practice", name=name, postcode=postcode)


def test_creating_an_organisation_stores_where_its_postcode_is(area):
    practice = gp(area, "NN1 5BD")
    practice.refresh_from_db()
    assert located_at(practice, "NN1 5BD")


def test_an_organisation_with_no_or_an_unknown_postcode_has_no_place(area):
    for postcode in ["", "ZZ9 9ZZ", "rubbish"]:
        organisation = gp(area, postcode, name=f"Practice {postcode}")
        organisation.refresh_from_db()
        assert (organisation.latitude, organisation.longitude, organisation.cell) == (None,) * 3


def test_changing_the_postcode_moves_the_organisation_and_is_audited(area):
    practice = gp(area, "NN1 5BD")
    set_organisation_postcode(by=None, organisation=practice, postcode="TR18 2AA")
    practice.refresh_from_db()
    assert practice.postcode == "TR18 2AA" and located_at(practice, "TR18 2AA")
    assert AuditEvent.objects.filter(
        verb="set_organisation_postcode", object_id=str(practice.pk)
    ).exists()
    set_organisation_postcode(by=None, organisation=practice, postcode="")
    practice.refresh_from_db()
    assert practice.cell is None and practice.latitude is None


def test_relocating_after_a_postcode_import_uses_the_finer_place(area):
    practice = gp(area, "NN1 5BD")
    unmoved = gp(area, "LE1 1AA", name="Unmoved")
    Postcode.objects.create(
        code="NN1 5BD", precision="full", latitude=52.2401, longitude=-0.8702, source="ONSPD"
    )
    assert relocate_organisations(by=None) == 1
    practice.refresh_from_db()
    unmoved.refresh_from_db()
    assert (practice.latitude, practice.longitude) == (52.2401, -0.8702)
    assert practice.cell == grid.cell(52.2401, -0.8702)
    assert located_at(unmoved, "LE1 1AA")


def test_the_migration_locates_existing_organisations_as_locate_does(area):
    Postcode.objects.create(
        code="NN1 5BD", precision="full", latitude=52.2401, longitude=-0.8702, source="ONSPD"
    )
    postcodes = ["NN1 5BD", "nn15bx", "LE1", "ZZ9 9ZZ", "rubbish", ""]
    for i, postcode in enumerate(postcodes):
        gp(area, postcode, name=f"Practice {i}")
    # As the rows were before the migration: postcodes, no places.
    Organisation.objects.update(latitude=None, longitude=None, cell=None)

    backfill.locate_existing(apps, None)

    for organisation in Organisation.objects.all():
        if organisation.postcode in {"ZZ9 9ZZ", "rubbish", ""}:
            assert organisation.cell is None
        else:
            assert located_at(organisation, organisation.postcode)


def test_the_command_relocates_organisations(area):
    from io import StringIO

    from django.core.management import call_command

    practice = gp(area, "NN1 5BD")
    Postcode.objects.create(
        code="NN1 5BD", precision="full", latitude=52.2401, longitude=-0.8702, source="ONSPD"
    )
    out = StringIO()
    call_command("locate_organisations", stdout=out)
    practice.refresh_from_db()
    assert practice.latitude == 52.2401 and "Moved 1 organisations" in out.getvalue()
