from directory.search import describe_cost, describe_schedule


def listing(service) -> dict:
    """What a listing page shows, worked out once (schedules, cost, places, access)."""
    schedules = [
        {
            "byday": s.byday,
            "freq": s.freq,
            "opens_at": s.opens_at,
            "closes_at": s.closes_at,
            "description": s.description,
        }
        for s in service.schedules.all()
    ]
    costs = [
        {"amount": c.amount, "option": c.option, "amount_description": c.amount_description}
        for c in service.cost_options.all()
    ]
    locations = [sal.location for sal in service.service_at_locations.all()]
    if service.capacity_available == 0:
        places = "Full at the moment — ask to join the waiting list"
    elif service.capacity_available:
        places = f"{service.capacity_available} places available"
    else:
        places = ""
    return {
        "when": [describe_schedule(s) for s in schedules],
        "cost": describe_cost(costs, service.is_free, service.fees_description),
        "locations": locations,
        "step_free": any(loc.wheelchair_accessible for loc in locations),
        "needs": sorted({t.need.label for t in service.terms.all() if t.need}),
        "places": places,
    }
