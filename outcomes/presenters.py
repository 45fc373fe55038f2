"""Progress over time: each measure as a small chart with its bands, and the change; and
when a questionnaire link waiting for the end of quiet hours will go."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone

from core.presenters import nice_date
from outcomes import instruments
from outcomes.models import Response, Timepoint

WIDTH, HEIGHT, PAD = 320, 90, 8
BAND_SHADES = ["#e8f1f8", "#d2e5f3", "#bbd4ea", "#a4c3e0", "#8db2d6"]


@dataclass
class Measure:
    title: str
    points: list[tuple[str, Decimal, str, str]]  # (date, value, band, timepoint)
    change: instruments.Change | None
    svg: str
    lower_is_better: bool


@dataclass(frozen=True)
class Series:
    """One measure's complete answers for a referral, oldest first."""

    code: str
    instrument: instruments.Instrument
    name: str
    # How many measures the instrument reports: 1 when it has a headline score (or one item).
    measures: int
    scored: list


def scored_series(referral) -> list[Series]:
    """Each measure the person has answers for, in the order the instruments were first
    answered: an instrument's headline score where it has one, otherwise each of its items.
    For the progress charts here and the message back (outcomes/message_back.py)."""
    responses = list(
        Response.objects.filter(referral=referral, submitted_at__isnull=False).order_by(
            "submitted_at"
        )
    )
    series = []
    for code in dict.fromkeys(r.instrument for r in responses):
        instrument = instruments.get(code)
        own = [r for r in responses if r.instrument == code]
        names = (
            [instruments.HEADLINE[code]]
            if code in instruments.HEADLINE
            else [i.key for i in instrument.items]
        )
        for name in names:
            scored = [r for r in own if name in r.measures]
            if scored:
                series.append(Series(code, instrument, name, len(names), scored))
    return series


def progress(referral) -> list[Measure]:
    measures = []
    for one in scored_series(referral):
        code, instrument, name = one.code, one.instrument, one.name
        points = [
            (
                nice_date(r.when),
                Decimal(r.measures[name]),
                r.bands.get(name, ""),
                Timepoint(r.timepoint).label,
            )
            for r in one.scored
        ]
        change = (
            instruments.change(code, name, points[0][1], points[-1][1]) if len(points) > 1 else None
        )
        title = (
            instrument.name
            if one.measures == 1
            else f"{instrument.name}: {_item_title(instrument, name)}"
        )
        low, high = instruments.RANGES.get((code, name), (0, 10))
        measures.append(
            Measure(
                title=title,
                points=points,
                change=change,
                svg=_svg(title, points, low, high, _bands(code, name)),
                lower_is_better=code in ("gad7", "phq9", "ucla3") or name == "anxiety",
            )
        )
    return measures


def _item_title(instrument, key) -> str:
    return {
        "satisfaction": "life satisfaction",
        "worthwhile": "worthwhile",
        "happiness": "happiness yesterday",
        "anxiety": "anxiety yesterday",
    }.get(key, key)


def _bands(code, name):
    if code == "ons4":
        return instruments.ONS4_BANDS["anxiety" if name == "anxiety" else "positive"]
    if code == "gad7":
        return instruments.GAD7_BANDS
    if code == "phq9":
        return instruments.PHQ9_BANDS
    return []


def _svg(title, points, low, high, bands) -> str:
    """A small line chart with shaded bands; the numbers are also in a table beside it."""
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def y(value):
        return PAD + inner_h - (float(value) - low) / (high - low or 1) * inner_h

    def x(index):
        return PAD + (inner_w * index / (len(points) - 1) if len(points) > 1 else inner_w / 2)

    shapes = []
    for number, (band_low, band_high, _label) in enumerate(bands):
        top, bottom = y(min(band_high + 0.5, high)), y(max(band_low - 0.5, low))
        shapes.append(
            f'<rect x="{PAD}" y="{top:.1f}" width="{inner_w}" height="{bottom - top:.1f}" '
            f'fill="{BAND_SHADES[number % len(BAND_SHADES)]}"/>'
        )
    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v, _, _) in enumerate(points))
    if len(points) > 1:
        shapes.append(f'<polyline points="{line}" fill="none" stroke="#005eb8" stroke-width="2"/>')
    for i, (_, value, _, _) in enumerate(points):
        shapes.append(f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="4" fill="#005eb8"/>')
    summary = ", ".join(f"{d}: {v}" for d, v, _, _ in points)
    label = escape(f"{title}. {summary}", {'"': "&quot;"})
    return (
        f'<svg class="lw-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{label}" focusable="false">'
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
        + "".join(shapes)
        + "</svg>"
    )


# When a link goes (texts and emails to people wait for the end of quiet hours)


def at_time(moment: datetime, now: datetime | None = None) -> str:
    """'08:00 today', '08:00 tomorrow', or '08:00 on Tuesday 8 December', in local time."""
    local = timezone.localtime(moment)
    days = (local.date() - timezone.localdate(now or timezone.now())).days
    day = {0: "today", 1: "tomorrow"}.get(days, f"on {local:%A} {local.day} {local:%B}")
    return f"{local:%H:%M} {day}"


def link_sent(sent, now: datetime | None = None) -> str:
    """What the link worker is told after "Send them a link now" (`sent` is an
    outcomes.actions.LinkSent): a link held by quiet hours is not "on its way"."""
    now = now or timezone.now()
    what = "text" if sent.channel == "sms" else "email"
    if sent.goes_at <= now:
        return f"A new link is on its way to them by {what}."
    return f"The {what} will be sent at {at_time(sent.goes_at, now)}, after quiet hours."


def links_waiting(referral, now: datetime | None = None) -> dict:
    """Request id → when its newest link will go, for links held by quiet hours, so the
    person's page does not say "Sent" for a text that has not gone."""
    from notifications.models import Message

    now = now or timezone.now()
    waiting = {}
    for reference, send_after in (
        Message.objects.filter(
            referral=referral,
            person__isnull=False,
            status=Message.Status.QUEUED,
            send_after__gt=now,
            reference__startswith="questionnaire:",
        )
        .order_by("send_after")
        .values_list("reference", "send_after")
    ):
        waiting[reference.split(":")[1]] = at_time(send_after, now)
    return waiting
