"""Our directory rows → Open Referral UK / HSDS 3.0 JSON. Keys with no value are left out
(the HSDS schemas type them as strings, not null)."""

from uuid import uuid5

HSDS_VERSION = "3.0"
PROFILE_URL = "https://openreferraluk.org/"


def clean(value):
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if v not in (None, "", [])}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def organization(org, services=None) -> dict:
    data = {
        "id": str(org.id),
        "name": org.name,
        "description": org.description or org.name,
        "email": org.email,
        "website": org.website,
    }
    if services is not None:
        data["services"] = [_without_organization(service_summary(s)) for s in services]
    return clean(data)


def _without_organization(summary: dict) -> dict:
    summary.pop("organization", None)
    return summary


def taxonomy(tax) -> dict:
    return clean(
        {
            "id": str(tax.id),
            "name": tax.name,
            "description": tax.description or tax.name,
            "uri": tax.uri,
            "version": tax.version,
        }
    )


def taxonomy_term(term) -> dict:
    return clean(
        {
            "id": str(term.id),
            "code": term.code,
            "name": term.name,
            "description": term.description or term.name,
            "parent_id": str(term.parent_id) if term.parent_id else None,
            "taxonomy": term.taxonomy.name,
            "taxonomy_id": str(term.taxonomy_id),
        }
    )


def location(loc) -> dict:
    address = {
        "id": str(loc.id),
        "location_id": str(loc.id),
        "address_1": loc.address_1 or loc.name,
        "city": loc.city or "-",
        "state_province": "-",
        "postal_code": loc.postal_code or "-",
        "country": "GB",
        "address_type": "physical",
    }
    return clean(
        {
            "id": str(loc.id),
            "location_type": "physical",
            "name": loc.name,
            "description": loc.description,
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "addresses": [address],
            "accessibility": [
                {
                    "id": str(loc.id),
                    "location_id": str(loc.id),
                    "description": "Step-free access"
                    if loc.wheelchair_accessible
                    else "Ask about access",
                    "details": loc.accessibility_details,
                }
            ],
        }
    )


def service_at_location(sal, *, nested_service=False) -> dict:
    data = {
        "id": str(sal.id),
        "service_id": str(sal.service_id),
        "location_id": str(sal.location_id),
        "description": sal.description,
        "location": location(sal.location),
    }
    if nested_service:
        data["service"] = service_summary(sal.service)
    return clean(data)


def _schedule(s) -> dict:
    return clean(
        {
            "id": str(s.id),
            "service_id": str(s.service_id),
            "freq": s.freq,
            "interval": s.interval,
            "byday": s.byday,
            "opens_at": s.opens_at.strftime("%H:%M") if s.opens_at else None,
            "closes_at": s.closes_at.strftime("%H:%M") if s.closes_at else None,
            "valid_from": s.valid_from.isoformat() if s.valid_from else None,
            "valid_to": s.valid_to.isoformat() if s.valid_to else None,
            "description": s.description,
        }
    )


def _cost(c) -> dict:
    return clean(
        {
            "id": str(c.id),
            "service_id": str(c.service_id),
            "option": c.option,
            "currency": c.currency,
            "amount": float(c.amount) if c.amount is not None else None,
            "amount_description": c.amount_description,
        }
    )


def service_summary(svc) -> dict:
    """The one-to-one fields of a service, for lists."""
    return clean(
        {
            "id": str(svc.id),
            "organization_id": str(svc.organization_id),
            "name": svc.name,
            "alternate_name": svc.alternate_name,
            "description": svc.description,
            "url": svc.url,
            "email": svc.email,
            "status": svc.status,
            "application_process": svc.application_process,
            "fees_description": svc.fees_description,
            "eligibility_description": svc.eligibility_description,
            "minimum_age": svc.minimum_age,
            "maximum_age": svc.maximum_age,
            "assured_date": svc.last_verified_on.isoformat() if svc.last_verified_on else None,
            "last_modified": svc.last_modified.isoformat(),
            "organization": organization(svc.organization),
        }
    )


def service(svc) -> dict:
    """A service with everything that hangs off it (the /services/{id} shape)."""
    data = service_summary(svc)
    data.update(
        clean(
            {
                "phones": [{"id": str(svc.id), "service_id": str(svc.id), "number": svc.phone}]
                if svc.phone
                else [],
                "schedules": [_schedule(s) for s in svc.schedules.all()],
                "service_at_locations": [
                    service_at_location(sal) for sal in svc.service_at_locations.all()
                ],
                "languages": [
                    clean(
                        {
                            "id": str(lang.id),
                            "service_id": str(svc.id),
                            "name": lang.name,
                            "code": lang.code,
                        }
                    )
                    for lang in svc.languages.all()
                ],
                "cost_options": [_cost(c) for c in svc.cost_options.all()],
                "attributes": [
                    {
                        "id": str(uuid5(svc.id, str(term.id))),
                        "link_id": str(svc.id),
                        "link_type": "service",
                        "link_entity": "service",
                        "taxonomy_term_id": str(term.id),
                        "taxonomy_term": taxonomy_term(term),
                    }
                    for term in svc.terms.all()
                ],
                # HSDS 3.1 service capacity: spare places.
                "capacities": [
                    clean(
                        {
                            "id": str(svc.id),
                            "service_id": str(svc.id),
                            "unit": "places",
                            "available": svc.capacity_available,
                            "maximum": svc.capacity_maximum,
                            "updated": svc.capacity_updated.isoformat()
                            if svc.capacity_updated
                            else None,
                        }
                    )
                ]
                if svc.capacity_available is not None
                else [],
            }
        )
    )
    return data


def page(contents: list, *, total: int, number: int, per_page: int) -> dict:
    pages = max(1, -(-total // per_page))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": total == 0,
        "contents": contents,
    }
