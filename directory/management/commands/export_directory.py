"""Export an area's directory as Open Referral UK JSON or linkwork CSV, streaming (constant
memory whatever the size)."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch

from api.openreferral import mappers
from core import csv_safe
from directory.importers import CSV_COLUMNS
from directory.models import Service, ServiceAtLocation, TaxonomyTerm
from organisations.models import Area

CHUNK = 500


class Command(BaseCommand):
    help = "Export an area's directory as Open Referral UK JSON or CSV"

    def add_arguments(self, parser):
        parser.add_argument("--area", required=True, help="Area code")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", default="-", help="File, or - for standard output")

    def handle(self, *args, area, format, output, **options):
        target = Area.objects.filter(code=area).first()
        if target is None:
            raise CommandError(f"No area with code {area!r}")
        services = (
            Service.objects.filter(area=target)
            .select_related("organization")
            .prefetch_related(
                "schedules",
                "cost_options",
                "languages",
                Prefetch("terms", queryset=TaxonomyTerm.objects.select_related("taxonomy", "need")),
                Prefetch(
                    "service_at_locations",
                    queryset=ServiceAtLocation.objects.select_related("location"),
                ),
            )
            .order_by("id")
        )
        handle = sys.stdout if output == "-" else open(output, "w", newline="")  # noqa: SIM115
        try:
            (self._json if format == "json" else self._csv)(services, handle)
        finally:
            if handle is not sys.stdout:
                handle.close()

    def _json(self, services, out):
        out.write('{"contents": [')
        for n, service in enumerate(services.iterator(chunk_size=CHUNK)):
            out.write(("," if n else "") + "\n" + json.dumps(mappers.service(service)))
        out.write("\n]}\n")

    def _csv(self, services, out):
        writer = csv_safe.writer(out)  # a provider-typed `=cmd|…` is not a formula
        writer.writerow(CSV_COLUMNS)
        for s in services.iterator(chunk_size=CHUNK):
            sal = next(iter(s.service_at_locations.all()), None)
            loc = sal.location if sal else None
            schedule = next(iter(s.schedules.all()), None)
            cost = next(iter(s.cost_options.all()), None)
            values = {
                "id": s.id,
                "organization_id": s.organization_id,
                "organization_name": s.organization.name,
                "name": s.name,
                "description": s.description,
                "url": s.url,
                "email": s.email,
                "phone": s.phone,
                "status": s.status,
                "how_to_join": s.application_process,
                "needs": ";".join(sorted({t.need.code for t in s.terms.all() if t.need})),
                "location_id": loc.id if loc else "",
                "location_name": loc.name if loc else "",
                "address_1": loc.address_1 if loc else "",
                "city": loc.city if loc else "",
                "postcode": loc.postal_code if loc else "",
                "latitude": loc.latitude if loc else "",
                "longitude": loc.longitude if loc else "",
                "wheelchair": ("yes" if loc.wheelchair_accessible else "no") if loc else "",
                "schedule_id": schedule.id if schedule else "",
                "days": schedule.byday if schedule else "",
                "opens_at": schedule.opens_at.strftime("%H:%M")
                if schedule and schedule.opens_at
                else "",
                "closes_at": schedule.closes_at.strftime("%H:%M")
                if schedule and schedule.closes_at
                else "",
                "cost_id": cost.id if cost else "",
                "cost_amount": cost.amount if cost and cost.amount is not None else "",
                "cost_option": cost.option if cost else "",
                "minimum_age": s.minimum_age or "",
                "maximum_age": s.maximum_age or "",
                "places_available": "" if s.capacity_available is None else s.capacity_available,
                "places_maximum": "" if s.capacity_maximum is None else s.capacity_maximum,
                "last_verified_on": s.last_verified_on or "",
            }
            writer.writerow([values[c] for c in CSV_COLUMNS])
