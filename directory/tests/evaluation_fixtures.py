"""A tiny directory and judgement file for the evaluation's tests."""

import json
from datetime import time
from decimal import Decimal

from core.ids import uuid7
from directory.actions import save_services
from directory.models import Service
from directory.records import CostRecord, LocationRecord, ScheduleRecord, ServiceRecord

TOWCESTER = (52.13, -0.99)
LEEDS = (53.8, -1.55)


def clock(text):
    return time.fromisoformat(text) if text else None


def listing(
    area,
    name,
    *,
    description="",
    places=(TOWCESTER + (True,),),
    sessions=(("WEEKLY", "TU", "10:00", "12:00"),),
    amount="0",
    eligibility="",
    min_age=None,
    max_age=None,
    needs=("loneliness",),
):
    """One published listing: places are (lat, lon, step-free), sessions (freq, byday,
    opens, closes)."""
    record = ServiceRecord(
        id=uuid7(),
        organization_id=uuid7(),
        organization_name=f"{name} group",
        name=name,
        description=description,
        eligibility_description=eligibility,
        minimum_age=min_age,
        maximum_age=max_age,
        need_codes=list(needs),
        locations=[
            LocationRecord(
                id=uuid7(),
                name=f"{name} venue {i}",
                city="Towcester",
                latitude=lat,
                longitude=lon,
                wheelchair_accessible=step_free,
            )
            for i, (lat, lon, step_free) in enumerate(places)
        ],
        schedules=[
            ScheduleRecord(
                id=uuid7(), freq=freq, byday=byday, opens_at=clock(a), closes_at=clock(b)
            )
            for freq, byday, a, b in sessions
        ],
        costs=[]
        if amount is None
        else [
            CostRecord(
                id=uuid7(),
                option="Free" if amount == "0" else "per session",
                amount=Decimal(amount),
            )
        ],
    )
    save_services(by=None, area=area, records=[record])
    return Service.objects.get(pk=record.id)


def tiny_directory(area) -> dict[str, Service]:
    return {
        "choir": listing(area, "Towcester Choir", description="Sing with friends."),
        "club": listing(
            area,
            "Tuesday Club",
            description="Tea, chat and a choir for older people.",
            sessions=(("WEEKLY", "TU", "14:00", "16:00"),),
        ),
        "knit": listing(area, "Knit and Natter", description="Knitting and chat."),
        "leeds": listing(
            area, "Choir of Leeds", description="A choir in Leeds.", places=(LEEDS + (True,),)
        ),
    }


def tiny_judgements(d: dict[str, Service]) -> dict:
    at = {"lat": TOWCESTER[0], "lon": TOWCESTER[1], "radius_km": 5}
    return {
        "format": "linkwork-judgements/1",
        "split": "dev",
        "directory": "tiny test directory",
        "cases": [
            {
                "id": "choir",
                "person": "Wants to sing, Towcester",
                "mode": "public",
                "query": {"q": "choir", **at},
                "judgements": {str(d["club"].pk): 3, str(d["choir"].pk): 2, str(d["knit"].pk): 1},
            },
            {
                "id": "knit-wednesday",
                "person": "Knits, free on Wednesdays",
                "mode": "public",
                "query": {"q": "knitting", "days": ["wed"], **at},
                "judgements": {str(d["knit"].pk): 3},
            },
            {
                "id": "chat",
                "person": "Wants a chat",
                "mode": "link_worker",
                "query": {"q": "chat", **at, "what_matters": "company", "goals": ["get out"]},
                "judgements": {str(d["knit"].pk): 1},
                "notes": "only acceptable listings",
            },
        ],
    }


def write(tmp_path, data, name="judged.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)
