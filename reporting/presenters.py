"""Display helpers for the reporting pages."""

from django.urls import reverse

from core.permissions import Permission, has_permission


def tabs(request, current: str) -> list[dict]:
    user = request.user
    items = [
        ("service", "Service", "reporting:dashboard"),
        ("outcomes", "Outcomes", "reporting:outcomes"),
        ("value", "NHS use and value", "reporting:value"),
        ("equity", "Equity", "reporting:equity"),
    ]
    if has_permission(user, Permission.NATIONAL_FIGURES_VIEW):
        items.append(("england", "England", "reporting:england"))
    query = request.GET.copy()
    query.pop("download", None)
    query.pop("measure", None)
    suffix = f"?{query.urlencode()}" if query else ""
    return [
        {"key": key, "text": text, "href": reverse(url) + suffix, "current": key == current}
        for key, text, url in items
    ]


def figures_links(user) -> list[dict]:
    """The other reporting pages this user may open."""
    links = []
    if has_permission(user, Permission.FIGURES_CONFIGURE):
        links.append(("Costs, investment and population", "reporting:settings"))
    if has_permission(user, Permission.HEALTHCARE_USE_IMPORT):
        links.append(("Import GP and A&E use", "reporting:import_use"))
    if has_permission(user, Permission.EXTRACT_PERSON_LEVEL):
        links.append(("Pseudonymised extracts", "reporting:extracts"))
    return [{"text": text, "href": reverse(name)} for text, name in links]
