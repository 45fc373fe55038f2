"""What the value-for-money and equity figures rest on: unit costs (versioned, an area's
own beating the default), the area's investment, and population figures installed from a
CSV by an administrator."""

import io
import re
import shlex
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from core.errors import ActionError
from core.models import AuditEvent
from reporting import actions, costs
from reporting.management.commands.import_population import Command as ImportPopulation
from reporting.models import Investment, PopulationFigure, UnitCost
from tests import factories

pytestmark = pytest.mark.django_db
GP = UnitCost.Item.GP_CONSULTATION
AE = UnitCost.Item.AE_ATTENDANCE


def page(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def other_area(db):
    return factories.area()


@pytest.fixture
def other_commissioner(other_area):
    return factories.user(organisation=factories.commissioner_org(other_area), role="commissioner")


def add_cost(by, item=GP, amount="42.00", valid_from=date(2025, 4, 1), **kw):
    return actions.add_unit_cost(
        by=by,
        item=item,
        amount=Decimal(amount),
        source=kw.get("source", "PSSRU Unit Costs 2024"),
        price_year=kw.get("price_year", "2024/25"),
        valid_from=valid_from,
    )


# Unit costs: versions and which one applies


def test_a_new_cost_supersedes_the_old_from_its_date_and_the_old_is_kept(national):
    old = add_cost(national, amount="42.00", valid_from=date(2025, 4, 1))
    new = add_cost(national, amount="45.50", valid_from=date(2026, 4, 1), price_year="2025/26")
    assert costs.unit_costs(on=date(2026, 3, 31))[GP].amount == Decimal("42.00")
    assert costs.unit_costs(on=date(2026, 4, 1))[GP].amount == Decimal("45.50")
    assert costs.unit_costs(on=date(2026, 4, 1))[GP].price_year == "2025/26"
    old.refresh_from_db()
    assert old.amount == Decimal("42.00") and old.valid_from == date(2025, 4, 1)
    assert set(UnitCost.objects.values_list("pk", flat=True)) == {old.pk, new.pk}


def test_costs_are_defaults_from_a_national_analyst_and_the_areas_own_from_its_commissioner(
    national, commissioner, area
):
    default = add_cost(national)
    own = add_cost(commissioner, amount="50.00")
    assert default.area is None
    assert own.area == area


def test_an_areas_own_cost_beats_the_default(national, commissioner, area, other_area):
    add_cost(national, amount="42.00", valid_from=date(2025, 4, 1))
    add_cost(commissioner, amount="50.00", valid_from=date(2025, 10, 1))
    on = date(2026, 1, 1)
    assert costs.unit_costs(area, on=on)[GP].amount == Decimal("50.00")
    assert costs.unit_costs(other_area, on=on)[GP].amount == Decimal("42.00")
    assert costs.unit_costs(None, on=on)[GP].amount == Decimal("42.00")
    # Before the area's own begins, the default applies.
    assert costs.unit_costs(area, on=date(2025, 9, 30))[GP].amount == Decimal("42.00")


def test_an_areas_own_cost_beats_even_a_newer_default(national, commissioner, area):
    add_cost(commissioner, amount="50.00", valid_from=date(2025, 4, 1))
    add_cost(national, amount="45.00", valid_from=date(2026, 4, 1))
    assert costs.unit_costs(area, on=date(2026, 6, 1))[GP].amount == Decimal("50.00")


def test_each_item_has_its_own_versions(national):
    add_cost(national, item=GP, amount="42.00")
    add_cost(national, item=AE, amount="180.00", valid_from=date(2025, 6, 1))
    found = costs.unit_costs(on=date(2025, 5, 1))
    assert found[GP].amount == Decimal("42.00")
    assert AE not in found  # its first cost starts in June
    assert costs.unit_costs(on=date(2025, 6, 1))[AE].amount == Decimal("180.00")


def test_before_any_cost_there_is_none(national):
    add_cost(national, valid_from=date(2025, 4, 1))
    assert costs.unit_costs(on=date(2025, 3, 31)) == {}
    assert costs.unit_costs(on=date(2025, 4, 1))[GP].describe() == (
        "£42.00 (2024/25 prices; PSSRU Unit Costs 2024)"
    )


def test_with_no_cost_the_pages_say_so(client, commissioner):
    client.force_login(commissioner)
    assert "No unit costs yet" in page(client.get(reverse("reporting:settings")))
    value = page(client.get(reverse("reporting:value")))
    assert "GP consultations: no unit cost set." in value
    assert "A&E attendances: no unit cost set." in value


def test_with_a_cost_the_value_page_names_it(client, commissioner):
    add_cost(commissioner, valid_from=date(2025, 4, 1))
    client.force_login(commissioner)
    value = page(client.get(reverse("reporting:value")))
    assert "GP consultations: £42.00 (2024/25 prices; PSSRU Unit Costs 2024)." in value
    assert "A&E attendances: no unit cost set." in value


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"amount": Decimal("0")}, "amount", "Enter a cost above £0"),
        ({"amount": Decimal("-1")}, "amount", "Enter a cost above £0"),
        ({"amount": None}, "amount", "Enter a cost above £0"),
        ({"source": "  "}, "source", "Say where the figure comes from, so readers can check it"),
        ({"price_year": "2024"}, "price_year", "Enter the price year like 2024/25"),
        ({"item": "dentist"}, "item", "Choose what the cost is for"),
    ],
)
def test_the_action_refuses_a_bad_cost(commissioner, change, field, message):
    data = {
        "item": GP,
        "amount": Decimal("42"),
        "source": "PSSRU",
        "price_year": "2024/25",
        "valid_from": date(2025, 4, 1),
        **change,
    }
    with pytest.raises(ActionError) as refused:
        actions.add_unit_cost(by=commissioner, **data)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert not UnitCost.objects.exists()


# The settings page: unit costs


def cost_form(**changes):
    data = {
        "add_cost": "1",
        "cost-item": GP,
        "cost-amount": "42.50",
        "cost-price_year": "2024/25",
        "cost-source": "PSSRU Unit Costs 2024, GP consultation of 10 minutes",
        "cost-valid_from[day]": "1",
        "cost-valid_from[month]": "4",
        "cost-valid_from[year]": "2025",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_commissioner_adds_a_cost_for_their_area(client, commissioner, area):
    client.force_login(commissioner)
    response = client.post(reverse("reporting:settings"), cost_form())
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:settings")
    cost = UnitCost.objects.get()
    assert (cost.area, cost.item, cost.amount) == (area, GP, Decimal("42.50"))
    assert (cost.price_year, cost.valid_from) == ("2024/25", date(2025, 4, 1))
    assert cost.source == "PSSRU Unit Costs 2024, GP consultation of 10 minutes"
    assert cost.created_by == commissioner
    assert AuditEvent.objects.filter(verb="add_unit_cost", actor=commissioner).exists()
    body = page(client.get(response["Location"]))
    assert "Saved. The figures use it from now on." in body
    assert "£42.50" in body and "1 April 2025" in body


def test_a_new_cost_on_the_page_keeps_the_old_one_listed(client, commissioner):
    client.force_login(commissioner)
    client.post(reverse("reporting:settings"), cost_form())
    client.post(
        reverse("reporting:settings"),
        cost_form(**{"cost-amount": "44.00", "cost-valid_from[year]": "2026"}),
    )
    assert sorted(UnitCost.objects.values_list("amount", flat=True)) == [
        Decimal("42.50"),
        Decimal("44.00"),
    ]
    body = page(client.get(reverse("reporting:settings")))
    assert "£42.50" in body and "£44.00" in body


def test_a_second_cost_from_the_same_day_is_refused(client, commissioner):
    client.force_login(commissioner)
    client.post(reverse("reporting:settings"), cost_form())
    response = client.post(reverse("reporting:settings"), cost_form(**{"cost-amount": "50"}))
    assert response.status_code == 200
    assert "There is already a cost for this from that date: choose another date" in page(response)
    assert list(UnitCost.objects.values_list("amount", flat=True)) == [Decimal("42.50")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cost-amount": "0"}, "Enter a cost above £0"),
        ({"cost-amount": "-12.00"}, "Enter a cost above £0"),
        ({"cost-amount": "forty"}, "Enter an amount in pounds, like 49.50"),
        ({"cost-amount": "42.505"}, "Enter pounds and pence only, like 49.50"),
        ({"cost-amount": "12345678"}, "That amount is too large"),
        ({"cost-amount": "1234567.891"}, "That amount is too large"),
        ({"cost-price_year": "2024"}, "Enter the price year like 2024/25"),
        ({"cost-source": ""}, "Say where the figure comes from, so others can check it"),
        ({"cost-source": "   "}, "Say where the figure comes from, so others can check it"),
        (
            {"cost-valid_from[day]": "31", "cost-valid_from[month]": "2"},
            "Use from must be a real date, for example 27 3 1961",
        ),
        ({"cost-valid_from[month]": "13"}, "Use from must be a real date, for example 27 3 1961"),
        ({"cost-valid_from[year]": "25"}, "Use from must be a real date, for example 27 3 1961"),
        ({"cost-valid_from[month]": ""}, "Use from must include a day, month and year"),
        (
            {"cost-valid_from[day]": "", "cost-valid_from[month]": "", "cost-valid_from[year]": ""},
            "Enter the use from",
        ),
        (
            {"cost-item": "dentist"},
            "Select a valid choice. dentist is not one of the available choices.",
        ),
    ],
    ids=[
        "zero",
        "negative",
        "not-a-number",
        "fraction-of-a-penny",
        "too-large",
        "too-large-with-pence",
        "price-year",
        "no-source",
        "blank-source",
        "31-february",
        "month-13",
        "two-digit-year",
        "no-month",
        "no-date",
        "unknown-item",
    ],
)
def test_a_bad_cost_on_the_page_is_explained_and_nothing_is_saved(
    client, commissioner, changes, message
):
    client.force_login(commissioner)
    response = client.post(reverse("reporting:settings"), cost_form(**changes))
    assert response.status_code == 200
    body = page(response)
    assert "There is a problem" in body and message in body
    assert not UnitCost.objects.exists()


def test_a_national_analyst_sets_the_default_for_every_area(client, national):
    client.force_login(national)
    response = client.post(reverse("reporting:settings"), cost_form())
    assert response.status_code == 302
    assert UnitCost.objects.get().area is None
    assert "Every area (default)" in page(client.get(reverse("reporting:settings")))


def test_a_commissioner_cannot_change_another_areas_costs(
    client, commissioner, other_commissioner, area, other_area
):
    add_cost(commissioner, amount="42.00")
    client.force_login(other_commissioner)
    # Naming the other area in the form changes nothing: the area is always their own.
    response = client.post(
        reverse("reporting:settings"),
        cost_form(**{"cost-amount": "99.00", "cost-area": str(area.pk), "area": str(area.pk)}),
    )
    assert response.status_code == 302
    theirs = UnitCost.objects.get(amount=Decimal("99.00"))
    assert theirs.area == other_area
    assert costs.unit_costs(area, on=date(2025, 6, 1))[GP].amount == Decimal("42.00")
    # Neither sees the other's costs on their settings page.
    assert "£42.00" not in page(client.get(reverse("reporting:settings")))
    client.force_login(commissioner)
    assert "£99.00" not in page(client.get(reverse("reporting:settings")))


# The settings page: investment


def investment_form(**changes):
    data = {
        "set_investment": "1",
        "investment-amount": "120000",
        "investment-starts_on[day]": "1",
        "investment-starts_on[month]": "4",
        "investment-starts_on[year]": "2025",
        "investment-ends_on[day]": "31",
        "investment-ends_on[month]": "3",
        "investment-ends_on[year]": "2027",
        "investment-description": "Outcomes contract 2025 to 2027",
    }
    data.update(changes)
    return data


def test_a_commissioner_sets_the_investment(client, commissioner, area):
    client.force_login(commissioner)
    response = client.post(reverse("reporting:settings"), investment_form())
    assert response.status_code == 302
    investment = Investment.objects.get()
    assert (investment.area, investment.amount) == (area, Decimal("120000"))
    assert (investment.starts_on, investment.ends_on) == (date(2025, 4, 1), date(2027, 3, 31))
    assert investment.description == "Outcomes contract 2025 to 2027"
    assert investment.created_by == commissioner
    assert AuditEvent.objects.filter(verb="set_investment", actor=commissioner).exists()
    assert not UnitCost.objects.exists()  # the other form on the page is untouched
    body = page(client.get(reverse("reporting:settings")))
    assert "<strong>Current:</strong> £120,000, 1 April 2025 to 31 March 2027" in body


def test_a_new_investment_becomes_current_and_the_old_is_kept(client, commissioner, area):
    client.force_login(commissioner)
    client.post(reverse("reporting:settings"), investment_form())
    client.post(
        reverse("reporting:settings"),
        investment_form(**{"investment-amount": "150000", "investment-description": "Extended"}),
    )
    assert Investment.objects.count() == 2
    [current] = costs.current_investments([area])
    assert current.amount == Decimal("150000")
    body = page(client.get(reverse("reporting:settings")))
    assert "<strong>Current:</strong> £150,000" in body and "Earlier: £120,000" in body


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"investment-ends_on[year]": "2025", "investment-ends_on[month]": "3"},
            "The end date must be after the start date",
        ),
        (
            {
                "investment-ends_on[day]": "1",
                "investment-ends_on[month]": "4",
                "investment-ends_on[year]": "2025",
            },
            "The end date must be after the start date",
        ),
        ({"investment-amount": "-5000"}, "Enter an amount above £0"),
        ({"investment-amount": "0"}, "Enter an amount above £0"),
        ({"investment-amount": "lots"}, "Enter an amount in pounds, like 49.50"),
        ({"investment-amount": "1000000000000"}, "That amount is too large"),
        (
            {"investment-starts_on[day]": "32"},
            "Start date must be a real date, for example 27 3 1961",
        ),
        (
            {
                "investment-ends_on[day]": "",
                "investment-ends_on[month]": "",
                "investment-ends_on[year]": "",
            },
            "Enter the end date",
        ),
        ({"investment-description": ""}, "This field is required."),
    ],
    ids=[
        "end-before-start",
        "end-on-start",
        "negative",
        "zero",
        "not-a-number",
        "too-large",
        "bad-start",
        "no-end",
        "no-description",
    ],
)
def test_a_bad_investment_is_explained_and_nothing_is_saved(client, commissioner, changes, message):
    client.force_login(commissioner)
    response = client.post(reverse("reporting:settings"), investment_form(**changes))
    assert response.status_code == 200
    body = page(response)
    assert "There is a problem" in body and message in body
    assert not Investment.objects.exists()


def test_investment_belongs_to_an_area_not_to_a_national_analyst(national):
    with pytest.raises(ActionError) as refused:
        actions.set_investment(
            by=national,
            amount=Decimal("1000"),
            starts_on=date(2025, 4, 1),
            ends_on=date(2026, 3, 31),
            description="National",
        )
    assert "its commissioner sets it" in refused.value.message
    assert not Investment.objects.exists()


# Who may change the settings


@pytest.mark.parametrize(
    "who", ["team_lead", "link_worker", "referrer", "provider", "directory_editor"]
)
def test_others_are_forbidden_the_settings_page(request, client, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("reporting:settings")).status_code == 403
    assert client.post(reverse("reporting:settings"), cost_form()).status_code == 403
    assert client.post(reverse("reporting:settings"), investment_form()).status_code == 403
    assert not UnitCost.objects.exists() and not Investment.objects.exists()


@pytest.mark.parametrize("who", ["team_lead", "link_worker"])
def test_service_staff_cannot_change_figures_through_the_actions(request, who, area):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        add_cost(user)
    with pytest.raises(PermissionDenied):
        actions.set_investment(
            by=user,
            amount=Decimal("1000"),
            starts_on=date(2025, 4, 1),
            ends_on=date(2026, 3, 31),
            description="Contract",
        )
    with pytest.raises(PermissionDenied):
        actions.replace_population(
            by=user, area=area, dimension="sex", people={"female": 1}, source="ONS"
        )
    assert not UnitCost.objects.exists() and not Investment.objects.exists()
    assert not PopulationFigure.objects.exists()


def test_signed_out_goes_to_sign_in(client):
    response = client.post(reverse("reporting:settings"), cost_form())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not UnitCost.objects.exists()


# Population figures


def write(tmp_path, text, name="population.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def figures(area, dimension=None):
    rows = PopulationFigure.objects.filter(area=area)
    if dimension:
        rows = rows.filter(dimension=dimension)
    return {(f.dimension, f.value): (f.people, f.source) for f in rows}


def install(path, source="ONS Census 2021"):
    call_command("import_population", str(path), source=source, stdout=io.StringIO())


def test_importing_population_installs_each_figure(tmp_path, area, other_area, capsys):
    path = write(
        tmp_path,
        "area_code,dimension,value,people\n"
        f'{area.code},sex,female,"151,200"\n'
        f"{area.code},sex,male,148000\n"
        f" {area.code} , age_band , 65-74 , 30500 \n"
        f"{area.code},imd_decile,3,12000\n"
        f"{area.code},ethnic_group,asian,9000\n"
        f"{other_area.code},sex,female,80000\n",
    )
    call_command("import_population", str(path), source="ONS Census 2021, TS008")
    assert "Installed 6 population figures." in capsys.readouterr().out
    source = "ONS Census 2021, TS008"
    assert figures(area) == {
        ("sex", "female"): (151200, source),
        ("sex", "male"): (148000, source),
        ("age_band", "65-74"): (30500, source),
        ("imd_decile", "3"): (12000, source),
        ("ethnic_group", "asian"): (9000, source),
    }
    assert figures(other_area) == {("sex", "female"): (80000, source)}
    assert AuditEvent.objects.filter(verb="replace_population", actor=None).count() == 5


def test_importing_again_replaces_the_areas_figures_for_that_breakdown(tmp_path, area, other_area):
    install(
        write(
            tmp_path,
            "area_code,dimension,value,people\n"
            f"{area.code},sex,female,1000\n{area.code},sex,male,900\n"
            f"{area.code},imd_decile,1,500\n{other_area.code},sex,male,700\n",
            name="first.csv",
        ),
        source="Census 2021",
    )
    install(
        write(tmp_path, f"area_code,dimension,value,people\n{area.code},sex,female,1100\n"),
        source="Mid-year estimates 2024",
    )
    # This area's sex figures are replaced whole (male is gone, not kept from before)...
    assert figures(area, "sex") == {("sex", "female"): (1100, "Mid-year estimates 2024")}
    # ...while its other breakdowns and other areas are untouched.
    assert figures(area, "imd_decile") == {("imd_decile", "1"): (500, "Census 2021")}
    assert figures(other_area) == {("sex", "male"): (700, "Census 2021")}


def test_the_settings_page_shows_what_is_installed(client, commissioner, area, tmp_path):
    install(write(tmp_path, f"area_code,dimension,value,people\n{area.code},sex,female,10\n"))
    client.force_login(commissioner)
    body = page(client.get(reverse("reporting:settings")))
    assert "Sex: installed (ONS Census 2021)" in body
    assert "Age bands: not installed" in body


@pytest.fixture
def installed(area, tmp_path):
    install(
        write(tmp_path, f"area_code,dimension,value,people\n{area.code},sex,female,1000\n", "0.csv")
    )
    return figures(area)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("area_code,dimension,value\n{code},sex,female\n", "has no column(s) people"),
        (
            "area,dimension,value,count\n{code},sex,female,10\n",
            "has no column(s) area_code, people",
        ),
        ("", "has no column(s) area_code, dimension, value, people"),
        (
            "area_code,dimension,value,people\n{code},sex,female,lots\n",
            "line 2: people must be a whole number",
        ),
        (
            "area_code,dimension,value,people\n{code},sex,female,-5\n",
            "line 2: people must be a whole number",
        ),
        (
            "area_code,dimension,value,people\n{code},sex,female,10.5\n",
            "line 2: people must be a whole number",
        ),
        (
            "area_code,dimension,value,people\n{code},sex,female,\n",
            "line 2: people must be a whole number",
        ),
        (
            "area_code,dimension,value,people\nE99999999,sex,female,10\n",
            "line 2: no area with code 'E99999999'",
        ),
        (
            "area_code,dimension,value,people\n{code},gender,female,10\n",
            "line 2: dimension must be one of age_band, sex, ethnic_group, imd_decile",
        ),
        (
            "area_code,dimension,value,people\n{code},sex,other,10\n",
            "line 2: 'other' is not a sex (female, male)",
        ),
        (
            "area_code,dimension,value,people\n{code},imd_decile,11,10\n",
            "line 2: '11' is not a imd_decile",
        ),
        (
            "area_code,dimension,value,people\n{code},sex,female,10\n{code},sex,female,12\n",
            "line 3: {code} sex female is given twice",
        ),
    ],
    ids=[
        "no-people-column",
        "misnamed-columns",
        "empty-file",
        "people-not-a-number",
        "people-negative",
        "people-fraction",
        "people-empty",
        "unknown-area",
        "unknown-dimension",
        "unknown-value",
        "decile-out-of-range",
        "duplicate",
    ],
)
def test_a_bad_population_file_changes_nothing(tmp_path, area, installed, text, message):
    path = write(tmp_path, text.format(code=area.code))
    with pytest.raises(CommandError) as refused:
        install(path, source="New source")
    assert message.format(code=area.code) in str(refused.value)
    assert figures(area) == installed == {("sex", "female"): (1000, "ONS Census 2021")}


def test_one_bad_row_stops_the_good_rows_too(tmp_path, area, installed):
    path = write(
        tmp_path,
        "area_code,dimension,value,people\n"
        f"{area.code},sex,female,2000\n{area.code},sex,male,1900\n{area.code},sex,male,x\n",
    )
    with pytest.raises(CommandError) as refused:
        install(path, source="New source")
    assert str(refused.value).startswith("Nothing was installed:")
    assert "line 4: people must be a whole number" in str(refused.value)
    assert figures(area) == installed


def test_every_problem_is_listed(tmp_path, area):
    path = write(
        tmp_path,
        f"area_code,dimension,value,people\nE99999999,sex,female,10\n{area.code},sex,female,x\n",
    )
    with pytest.raises(CommandError) as refused:
        install(path)
    assert "line 2: no area with code 'E99999999'" in str(refused.value)
    assert "line 3: people must be a whole number" in str(refused.value)


def test_a_file_that_does_not_exist_is_named(tmp_path, area, installed):
    with pytest.raises(CommandError) as refused:
        install(tmp_path / "missing.csv")
    assert str(refused.value) == f"{tmp_path / 'missing.csv'} does not exist"
    assert figures(area) == installed


def test_a_short_row_is_a_problem_not_a_crash(tmp_path, area, installed):
    path = write(tmp_path, f"area_code,dimension,value,people\n{area.code},sex\n")
    with pytest.raises(CommandError) as refused:
        install(path)
    assert "line 2:" in str(refused.value)
    assert figures(area) == installed


@pytest.mark.parametrize("people", ["²", "¹⁰"])
def test_digits_int_cannot_read_are_a_problem_not_a_crash(tmp_path, area, installed, people):
    path = write(tmp_path, f"area_code,dimension,value,people\n{area.code},sex,female,{people}\n")
    with pytest.raises(CommandError) as refused:
        install(path)
    assert "line 2: people must be a whole number" in str(refused.value)
    assert figures(area) == installed


def test_the_action_refuses_an_unknown_breakdown_or_no_source(commissioner, area):
    with pytest.raises(ActionError):
        actions.replace_population(
            by=commissioner, area=area, dimension="religion", people={"x": 1}, source="ONS"
        )
    with pytest.raises(ActionError):
        actions.replace_population(
            by=commissioner, area=area, dimension="sex", people={"female": 1}, source=" "
        )
    assert not PopulationFigure.objects.exists()
    assert (
        actions.replace_population(
            by=commissioner, area=area, dimension="sex", people={"female": 1}, source="ONS"
        )
        == 1
    )
    assert figures(area) == {("sex", "female"): (1, "ONS")}


def test_the_command_the_settings_page_shows_is_one_the_command_accepts(client, commissioner):
    client.force_login(commissioner)
    body = page(client.get(reverse("reporting:settings")))
    shown = re.search(r"<code>python manage.py (import_population [^<]*)</code>", body).group(1)
    words = shlex.split(shown.replace("…", "ONS"))
    assert words[0] == "import_population"
    parser = ImportPopulation().create_parser("manage.py", "import_population")
    options = parser.parse_args(words[1:])  # exits (SystemExit) on an unknown option
    assert options.source == "ONS"
