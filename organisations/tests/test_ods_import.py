"""Importing GP practices and PCN membership from NHS ODS files (fictional rows in the real
epraccur / epcncorepartnerdetails layouts)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from administration.tests.conftest import administrator, system_admin  # noqa: F401 - fixture
from core.models import AuditEvent
from organisations.actions import create_icb_area, import_ods_practices
from organisations.models import Organisation, PrimaryCareNetwork
from referrals.self_referral import find_practices, nearest_practice
from tests import factories

pytestmark = pytest.mark.django_db


def practice_row(
    code="Y90001",
    name="THE FICTIONAL SURGERY",
    *,
    commissioner="15E",
    icb="QPM",
    postcode="NN1 1AA",
    status="A",
    close="",
    setting="4",
    phone="01604 000001",
    opened="19740401",
    extra=None,
):
    cells = [
        code,
        name,
        "Y61",
        icb,
        "1 HIGH STREET",
        "",
        "NORTHAMPTON",
        "",
        "",
        postcode,
        opened,
        close,
        status,
        "B",
        commissioner,
        "20130401",
        "",
        phone,
        "",
        "",
        "",
        "0",
        "",
        commissioner,
        "",
        setting,
        "",
    ]
    if extra is not None:
        cells = extra
    return ",".join(f'"{c}"' for c in cells)


def pcn_row(practice="Y90001", pcn="U90001", name="FICTIONAL PCN", start="20200401", end=""):
    return ",".join(
        f'"{c}"'
        for c in [
            practice,
            "SURGERY",
            "15E",
            "SUB ICB",
            pcn,
            name,
            "15E",
            "SUB ICB",
            start,
            end,
            "Y",
        ]
    )


def text(*rows):
    return "\n".join(rows) + "\n"


@pytest.fixture
def icb(db):
    return create_icb_area(by=None, name="NHS Fictional ICB", code="QPM", commissioner_codes="15E")


def test_imports_the_areas_practices_only(icb):
    result = import_ods_practices(
        by=None,
        area=icb,
        practices_text=text(
            practice_row("Y90001", "FIRST SURGERY"),
            practice_row("Y90002", "OTHER ICB", commissioner="99X", icb="QZZ"),
            practice_row("Y90003", "OUT OF HOURS", setting="1"),
            practice_row("Y90004", "ICB-MATCHED", commissioner="77Z", icb="QPM"),
        ),
    )
    assert result.ok, result.problems
    assert (result.created, result.skipped) == (2, 2)
    practice = Organisation.objects.get(ods_code="Y90001")
    assert practice.kind == Organisation.Kind.GP_PRACTICE and practice.area == icb
    assert practice.address == "1 HIGH STREET, NORTHAMPTON"
    assert practice.postcode == "NN1 1AA" and practice.phone == "01604 000001"
    assert practice.cell is not None  # located through the organisations actions' helper
    assert practice.active
    assert not Organisation.objects.filter(ods_code__in=["Y90002", "Y90003"]).exists()
    assert AuditEvent.objects.filter(verb="import_ods_practices").exists()


def test_import_is_idempotent_and_updates_only_what_changed(icb):
    first = text(practice_row("Y90001", "FIRST"), practice_row("Y90002", "SECOND"))
    import_ods_practices(by=None, area=icb, practices_text=first)
    second_before = Organisation.objects.get(ods_code="Y90002")
    again = import_ods_practices(by=None, area=icb, practices_text=first)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = text(
        practice_row("Y90001", "FIRST RENAMED", postcode="NN2 6AB", phone="01604 999999"),
        practice_row("Y90002", "SECOND"),
    )
    result = import_ods_practices(by=None, area=icb, practices_text=changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    first_practice = Organisation.objects.get(ods_code="Y90001")
    assert first_practice.name == "FIRST RENAMED" and first_practice.postcode == "NN2 6AB"
    assert first_practice.phone == "01604 999999"
    assert Organisation.objects.get(ods_code="Y90002").version == second_before.version
    assert Organisation.objects.filter(ods_code__in=["Y90001", "Y90002"]).count() == 2


def test_closed_practices_become_inactive_and_keep_their_referrals(icb):
    import_ods_practices(by=None, area=icb, practices_text=text(practice_row("Y90001", "FIRST")))
    practice = Organisation.objects.get(ods_code="Y90001")
    referrer = factories.user(organisation=practice, role="referrer")
    service = factories.service(area=icb)
    referral = factories.referral(by=referrer, service=service)
    assert list(find_practices("FIRST")) == [practice]
    assert nearest_practice("NN1 1AA") == practice

    result = import_ods_practices(
        by=None,
        area=icb,
        practices_text=text(practice_row("Y90001", "FIRST", status="C", close="20240331")),
    )
    assert result.ok and result.closed == 1
    practice.refresh_from_db()
    assert not practice.active and practice.closed_on.isoformat() == "2024-03-31"
    referral.refresh_from_db()
    assert referral.referring_organisation_id == practice.pk
    assert list(find_practices("FIRST")) == []
    assert nearest_practice("NN1 1AA") is None


def test_pcn_membership_file_sets_each_practices_pcn(icb):
    result = import_ods_practices(
        by=None,
        area=icb,
        practices_text=text(practice_row("Y90001"), practice_row("Y90002", "TWO")),
        pcns_text=text(
            '"Partner Organisation Code","Partner Name","x","x","PCN Code","PCN Name","x","x",'
            '"Start","End","Match"',
            pcn_row("Y90001", "U90001", "OLD PCN", "20190401", "20200331"),
            pcn_row("Y90001", "U90002", "NEW PCN", "20200401"),
            pcn_row("Y90002", "U90002", "NEW PCN", "20200401"),
            pcn_row("Y99999", "U99999", "ELSEWHERE", "20200401"),  # not this area's practice
        ),
    )
    assert result.ok, result.problems
    assert result.pcns_created == 1
    pcn = PrimaryCareNetwork.objects.get(ods_code="U90002")
    assert pcn.area == icb and pcn.name == "NEW PCN"
    assert set(pcn.practices.values_list("ods_code", flat=True)) == {"Y90001", "Y90002"}
    assert not PrimaryCareNetwork.objects.filter(ods_code__in=["U90001", "U99999"]).exists()


def wrong(icb, practices, pcns=None):
    before = set(Organisation.objects.values_list("pk", flat=True))
    result = import_ods_practices(by=None, area=icb, practices_text=practices, pcns_text=pcns)
    assert not result.ok
    assert set(Organisation.objects.values_list("pk", flat=True)) == before, "nothing written"
    return [(p.line, p.column, p.message) for p in result.problems]


def test_every_problem_is_named_by_line_and_column_and_nothing_is_written(icb):
    problems = wrong(
        icb,
        text(
            practice_row("Y90001", "GOOD"),
            practice_row("Y9001", "BAD CODE"),
            practice_row("Y90003", "", postcode="NOT A POSTCODE"),
            practice_row("Y90004", "BAD DATES", opened="2020-01-01", status="C", close=""),
            practice_row("Y90005", "BAD STATUS", status="X"),
            practice_row("Y90001", "DUPLICATE"),
            '"Y90007","TOO SHORT","Y61"',
            practice_row(extra=["Y90008"] + ["x"] * 27),
        ),
    )
    assert (
        2,
        "1 (organisation code)",
        "'Y9001' is not a GP practice code (a letter and 5 digits, like A81001)",
    ) in problems
    assert (3, "2 (name)", "The practice has no name") in problems
    assert (3, "10 (postcode)", "'NOT A POSTCODE' is not a full UK postcode") in problems
    assert (4, "11 (open date)", "'2020-01-01' is not a date in the form YYYYMMDD") in problems
    assert (4, "12 (close date)", "The date is missing (YYYYMMDD)") in problems
    assert (5, "13 (status code)", "'X' is not a status code (A, C, D or P)") in problems
    assert (6, "1 (organisation code)", "Y90001 is also on line 1") in problems
    assert (7, "", "Line 7 has 3 columns: the epraccur layout has 27") in problems
    assert (8, "", "Line 8 has 28 columns: the epraccur layout has 27") in problems


def test_bad_pcn_rows_are_refused(icb):
    other = create_icb_area(by=None, name="Other ICB", code="QZZ")
    PrimaryCareNetwork.objects.create(area=other, name="THEIRS", ods_code="U90009")
    problems = wrong(
        icb,
        text(practice_row("Y90001"), practice_row("Y90002"), practice_row("Y90003")),
        text(
            pcn_row("Y90001", "X1", "BAD CODE"),
            pcn_row("Y90002", "U90008", "", "20200401"),
            pcn_row("Y90003", "U90009", "THEIRS", "20200401"),
            pcn_row("Y90003", "U90007", "BAD DATE", "2020"),
        ),
    )
    assert (
        1,
        "PCN file 5 (pcn code)",
        "'X1' is not a PCN code (U and 5 digits, like U12345)",
    ) in problems
    assert (2, "PCN file 5 (pcn code)", "Unknown PCN U90008: the file gives no name") in problems
    assert (3, "PCN file 5 (pcn code)", "PCN U90009 belongs to Other ICB") in problems
    assert (4, "PCN file 9 (start date)", "'2020' is not a date in the form YYYYMMDD") in problems


def test_a_practice_code_used_elsewhere_is_refused(icb):
    other = create_icb_area(by=None, name="Other ICB", code="QZZ")
    factories.practice(area=other)
    taken = Organisation.objects.get(area=other, kind="gp_practice").ods_code
    problems = wrong(icb, text(practice_row(taken)))
    assert problems[0][0] == 1 and "Other ICB" in problems[0][2]


def test_an_area_without_ods_codes_is_told(area):
    result = import_ods_practices(by=None, area=area, practices_text=text(practice_row()))
    assert not result.ok and "no ICB or sub-ICB location codes" in result.problems[0].message


def test_command_imports_with_a_progress_bar(icb, tmp_path, capsys):
    practices = tmp_path / "epraccur.csv"
    practices.write_text(text(practice_row("Y90001"), practice_row("Y90002")))
    pcns = tmp_path / "epcn.csv"
    pcns.write_text(text(pcn_row("Y90001")))
    call_command("import_ods_practices", str(practices), "--area", "qpm", "--pcns", str(pcns))
    out = capsys.readouterr()
    assert "2 added" in out.out
    assert Organisation.objects.get(ods_code="Y90001").pcn.ods_code == "U90001"


def test_command_names_every_problem_and_fails(icb, tmp_path, capsys):
    practices = tmp_path / "epraccur.csv"
    practices.write_text(text(practice_row("Y90001"), practice_row("bad")))
    with pytest.raises(CommandError, match="Nothing was imported: 1 problem"):
        call_command("import_ods_practices", str(practices), "--area", "QPM")
    assert "Line 2, column 1 (organisation code)" in capsys.readouterr().err
    assert not Organisation.objects.filter(kind="gp_practice").exists()


def test_command_refuses_an_unknown_area(tmp_path):
    practices = tmp_path / "epraccur.csv"
    practices.write_text(text(practice_row()))
    with pytest.raises(CommandError, match="no area with the code NOPE"):
        call_command("import_ods_practices", str(practices), "--area", "NOPE")


def test_upload_page_imports_for_the_service_admins_area(client, icb):
    admin = administrator("svc@example.nhs.uk", "Sid Service", icb)
    client.force_login(admin)
    url = reverse("administration:import_practices")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "practices": SimpleUploadedFile("epraccur.csv", text(practice_row()).encode()),
            "pcns": SimpleUploadedFile("epcn.csv", text(pcn_row()).encode()),
        },
    )
    assert response.status_code == 302
    assert Organisation.objects.get(ods_code="Y90001").pcn.ods_code == "U90001"


def test_upload_page_lists_problems(client, icb):
    client.force_login(administrator("svc@example.nhs.uk", "Sid Service", icb))
    response = client.post(
        reverse("administration:import_practices"),
        {"practices": SimpleUploadedFile("epraccur.csv", text(practice_row(status="Q")).encode())},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported: 1 problem" in page and "13 (status code)" in page


def test_upload_page_refuses_a_missing_or_wrong_file(client, icb):
    client.force_login(administrator("svc@example.nhs.uk", "Sid Service", icb))
    url = reverse("administration:import_practices")
    assert "Choose a CSV file" in client.post(url, {}).content.decode()
    response = client.post(url, {"practices": SimpleUploadedFile("x.xlsx", b"PK")})
    assert "must be a CSV" in response.content.decode()


@pytest.mark.parametrize("persona", ["system_admin", "link_worker", "team_lead", "commissioner"])
def test_only_service_admins_import(client, request, persona, icb):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("administration:import_practices")
    assert client.get(url).status_code == 403
    upload = SimpleUploadedFile("epraccur.csv", text(practice_row()).encode())
    assert client.post(url, {"practices": upload}).status_code == 403
    assert not Organisation.objects.filter(ods_code="Y90001").exists()


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_add_each_practice_once():
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    area = create_icb_area(by=None, name="NHS Fictional ICB", code="QPM", commissioner_codes="15E")
    content = text(*(practice_row(f"Y9{i:04d}", f"SURGERY {i}") for i in range(20)))
    outcomes = []

    def run():
        try:
            outcomes.append(import_ods_practices(by=None, area=area, practices_text=content))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2 and all(o.ok for o in outcomes)
    assert sorted(o.created for o in outcomes) == [0, 20]
    assert Organisation.objects.filter(kind="gp_practice").count() == 20
