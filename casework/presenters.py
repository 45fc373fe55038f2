"""Words for the link worker's pages."""

DAY_SHORT = {
    "mon": "Mon",
    "tue": "Tue",
    "wed": "Wed",
    "thu": "Thu",
    "fri": "Fri",
    "sat": "Sat",
    "sun": "Sun",
}


def describe_availability(availability) -> str:
    """ "Tue, Thu, mornings (not in school holidays)"."""
    days = availability.day_list
    when = ", ".join(DAY_SHORT[d] for d in days) if days else "Any day"
    if availability.time_of_day:
        when += f", {availability.get_time_of_day_display().lower()}"
    if availability.notes:
        when += f" ({availability.notes})"
    return when
