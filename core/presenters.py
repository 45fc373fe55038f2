"""Display logic shared by templates: dates, waiting times, status tags, navigation."""

from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone

from core.permissions import Permission, has_permission
from referrals.states import Status
from referrals.validators import format_nhs_number

STATUS_TAG_COLOURS = {
    Status.RECEIVED: "blue",
    Status.ACCEPTED: "aqua-green",
    Status.ALLOCATED: "yellow",
    Status.ACTIVE: "green",
    Status.DISCHARGED: "grey",
    Status.DECLINED: "red",
    Status.REDIRECTED: "purple",
}


def status_tag(status: str) -> dict:
    return {"text": Status(status).label, "classes": f"nhsuk-tag--{STATUS_TAG_COLOURS[status]}"}


def nice_date(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value:%B %Y}"


def nice_datetime(value) -> str:
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def days_ago(value, today: date | None = None) -> str:
    """'today', '1 day', '12 days' since a date or datetime."""
    if not value:
        return ""
    today = today or timezone.localdate()
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    days = (today - value).days
    if days <= 0:
        return "today"
    return "1 day" if days == 1 else f"{days} days"


def due_label(due: date | None, today: date | None = None) -> dict | None:
    """Tag for a next-action date: overdue in red, today in orange, otherwise plain."""
    if due is None:
        return None
    today = today or timezone.localdate()
    delta = (due - today).days
    if delta < 0:
        late = -delta
        return {
            "text": f"Overdue by {late} day{'s' if late != 1 else ''}",
            "classes": "nhsuk-tag--red",
            "overdue": True,
        }
    if delta == 0:
        return {"text": "Due today", "classes": "nhsuk-tag--orange", "overdue": False}
    return {"text": f"Due {nice_date(due)}", "classes": "nhsuk-tag--white", "overdue": False}


def phone(value: str) -> str:
    """UK numbers grouped as people write them: 07700 900982, 01604 123456, 020 7946 0000."""
    if not value or not value.isdigit():
        return value or ""
    if value.startswith(("02",)) and len(value) == 11:
        return f"{value[:3]} {value[3:7]} {value[7:]}"
    return f"{value[:5]} {value[5:]}"


def age(date_of_birth: date, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return (
        today.year
        - date_of_birth.year
        - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    )


def navigation(request) -> list[dict]:
    user = request.user
    items = []
    if has_permission(user, Permission.REFERRAL_CREATE):
        items.append(("Refer someone", "referrals:new"))
        items.append(("Your referrals", "referrals:sent"))
        items.append(("Upload referrals", "referrals:uploads"))
    if has_permission(user, Permission.TRIAGE):
        items.append(("Triage", "referrals:triage"))
    if has_permission(user, Permission.TEAM_VIEW):
        items.append(("Team", "casework:team"))
    if has_permission(user, Permission.CASE_VIEW) and not has_permission(
        user, Permission.TEAM_VIEW
    ):
        items.append(("Caseload", "casework:caseload"))
    if has_permission(user, Permission.CASE_VIEW):
        items.append(("Safety alerts", "outcomes:alerts"))
    if has_permission(user, Permission.ONWARD_RESPOND):
        items.append(("Referrals", "onward:provider_referrals"))
    if has_permission(user, Permission.LISTING_EDIT_OWN):
        items.append(("Your listings", "directory_manage:provider_listings"))
    if has_permission(user, Permission.DIRECTORY_EDIT):
        items.append(("Directory changes", "directory_manage:editor_changes"))
        items.append(("Synonyms", "directory_manage:synonyms"))
        items.append(("Taxonomy terms", "directory_manage:taxonomies"))
    if has_permission(user, Permission.DIRECTORY_VIEW):
        items.append(("Activities", "directory:find"))
    if any(
        has_permission(user, p)
        for p in (
            Permission.SERVICE_FIGURES_VIEW,
            Permission.AREA_FIGURES_VIEW,
            Permission.NATIONAL_FIGURES_VIEW,
        )
    ):
        items.append(("Figures", "reporting:dashboard"))
    if has_permission(user, Permission.AREAS_MANAGE):
        items.append(("Areas", "administration:areas"))
    if has_permission(user, Permission.ORGANISATIONS_MANAGE):
        items.append(("Organisations", "administration:organisations"))
    if has_permission(user, Permission.STAFF_MANAGE):
        items.append(("Staff", "administration:staff"))
    if has_permission(user, Permission.ACCESS_REVIEW):
        items.append(("Access review", "administration:access_review"))
    if has_permission(user, Permission.AREA_SETTINGS_EDIT):
        items.append(("Public information", "administration:public_information"))
    return [
        {"text": text, "href": reverse(name), "current": request.path == reverse(name)}
        for text, name in items
    ]


FILTERS = {
    "nice_date": nice_date,
    "nice_datetime": nice_datetime,
    "days_ago": days_ago,
    "nhs_number": format_nhs_number,
    "age": age,
    "phone": phone,
}
