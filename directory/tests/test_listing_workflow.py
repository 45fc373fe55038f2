from datetime import timedelta
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from core.errors import ActionError, ConcurrentChange
from directory import actions
from directory.listing_fields import TEXT_FIELDS
from directory.models import ListingChange, ListingFlag, Service, Synonym
from directory.search import Query, search
from referrals.models import Need
from tests import factories

pytestmark = pytest.mark.django_db


def page(response):
    return unescape(response.content.decode())


def edit_data(service, **changes):
    """What the provider's form posts when they change only `changes`."""
    data = {f"listing-{f}": getattr(service, f) for f in TEXT_FIELDS}
    data.update(
        {
            "listing-day_0": "TU",
            "listing-opens_0": "10:00",
            "listing-closes_0": "12:00",
            "listing-cost": "0.00",
            "listing-needs": ["loneliness"],
            "listing-wheelchair": "no",
        }
    )
    data.update({f"listing-{k}": v for k, v in changes.items()})
    return data


def test_provider_change_waits_for_editor_then_goes_public(
    client, provider, directory_editor, provider_listing
):
    client.force_login(provider)
    url = reverse("directory_manage:provider_listing", args=[provider_listing.pk])
    response = client.post(
        url,
        edit_data(provider_listing, name="Sunday Cafe", description="Now on Sundays with knitting"),
    )
    assert response.status_code == 302
    assert Service.objects.get(pk=provider_listing.pk).name == "Provider cafe"  # not yet
    assert "waiting for a directory editor" in page(client.get(url))

    change = ListingChange.objects.get()
    client.force_login(directory_editor)
    body = page(client.get(reverse("directory_manage:editor_change", args=[change.pk])))
    assert "Provider cafe" in body and "Sunday Cafe" in body and "knitting" in body
    client.post(
        reverse("directory_manage:editor_change", args=[change.pk]), {"decision": "approve"}
    )
    service = Service.objects.get(pk=provider_listing.pk)
    assert service.name == "Sunday Cafe" and service.last_verified_on == timezone.localdate()
    assert [m.name for m in search(Query(text="knitting")).matches] == ["Sunday Cafe"]


def test_reject_needs_reason_and_leaves_listing(
    client, provider, directory_editor, provider_listing
):
    change = actions.propose_change(
        by=provider, service=provider_listing, proposed={"name": "Spam"}
    )
    client.force_login(directory_editor)
    url = reverse("directory_manage:editor_change", args=[change.pk])
    assert "Say why the change is rejected" in page(client.post(url, {"decision": "reject"}))
    client.post(url, {"decision": "reject", "reason": "Not a real change"})
    change.refresh_from_db()
    assert change.status == "rejected" and change.reason == "Not a real change"
    assert Service.objects.get(pk=provider_listing.pk).name == "Provider cafe"


def test_two_editors_deciding_one_wins(provider, directory_editor, service, provider_listing):
    other_editor = factories.user(organisation=service, role="directory_editor")
    change = actions.propose_change(by=provider, service=provider_listing, proposed={"name": "New"})
    actions.decide_change(by=directory_editor, change=change, approve=True)
    with pytest.raises(ConcurrentChange):
        actions.decide_change(by=other_editor, change=change, approve=False, reason="No")


def test_one_pending_change_at_a_time_and_nothing_unchanged(provider, provider_listing):
    with pytest.raises(ActionError, match="Nothing has changed"):
        actions.propose_change(
            by=provider, service=provider_listing, proposed={"name": "Provider cafe"}
        )
    actions.propose_change(by=provider, service=provider_listing, proposed={"name": "A"})
    with pytest.raises(ActionError, match="already waiting"):
        actions.propose_change(by=provider, service=provider_listing, proposed={"name": "B"})


def test_provider_cannot_touch_another_providers_listing(client, other_provider, provider_listing):
    with pytest.raises(PermissionDenied):
        actions.propose_change(
            by=other_provider, service=provider_listing, proposed={"name": "Mine now"}
        )
    client.force_login(other_provider)
    for name in ["provider_verify", "provider_places"]:
        url = reverse(f"directory_manage:{name}", args=[provider_listing.pk])
        assert client.post(url, {"places-available": "3"}).status_code == 404


def test_spare_places(client, provider, provider_listing):
    client.force_login(provider)
    url = reverse("directory_manage:provider_places", args=[provider_listing.pk])
    client.post(url, {"places-available": "0"})
    assert Service.objects.get(pk=provider_listing.pk).capacity_available == 0
    response = client.post(url, {"places-available": "-2"}, follow=True)
    assert "whole number, 0 or more" in page(response)
    assert Service.objects.get(pk=provider_listing.pk).capacity_available == 0


def test_stale_listings_hidden_until_checked(client, provider, provider_listing):
    Service.objects.filter(pk=provider_listing.pk).update(
        last_verified_on=timezone.localdate() - timedelta(days=400)
    )
    counts = actions.review_freshness(by=None)
    assert counts["hidden"] == 1
    assert search(Query(needs=["loneliness"])).total == 0
    client.force_login(provider)
    assert "Hidden from search" in page(client.get(reverse("directory_manage:provider_listings")))
    client.post(reverse("directory_manage:provider_verify", args=[provider_listing.pk]))
    assert search(Query(needs=["loneliness"])).total == 1


def test_owner_is_reminded_once_after_six_months(provider, provider_listing):
    from notifications.models import Message

    Service.objects.filter(pk=provider_listing.pk).update(
        last_verified_on=timezone.localdate() - timedelta(days=200)
    )
    assert actions.review_freshness(by=None) == {"hidden": 0, "reminders_due": 1, "reminded": 1}
    email = Message.objects.get(to_user=provider)
    assert email.template.code == "listing_check" and "1 of your listings" in email.body
    # Asked once: the daily review does not ask again until it is checked and goes stale.
    assert actions.review_freshness(by=None)["reminded"] == 0
    assert Message.objects.count() == 1


def test_visitor_flags_listing_and_editor_resolves(client, directory_editor, provider_listing):
    url = reverse("directory:report", args=[provider_listing.pk])
    assert "Tell us what is wrong" in page(client.post(url, {"message": " "}))
    client.post(url, {"message": "It moved to the library", "website": ""})
    client.post(url, {"message": "buy pills", "website": "http://spam"})  # honeypot
    assert ListingFlag.objects.count() == 1
    client.force_login(directory_editor)
    body = page(client.get(reverse("directory_manage:editor_changes")))
    assert "It moved to the library" in body
    flag = ListingFlag.objects.get()
    client.post(reverse("directory_manage:resolve_flag", args=[flag.pk]))
    assert ListingFlag.objects.get().resolved_by == directory_editor


def test_editor_adds_synonym_and_search_uses_it(client, directory_editor, area):
    factories.activity(
        area=area, name="Knit and natter", needs=("loneliness",), description="Knitting circle"
    )
    assert search(Query(text="crochet")).total == 0
    client.force_login(directory_editor)
    client.post(
        reverse("directory_manage:synonyms"), {"phrase": "Crochet!", "expands_to": "knitting"}
    )
    assert Synonym.objects.filter(phrase="crochet").exists()
    assert [m.name for m in search(Query(text="crochet")).matches] == ["Knit and natter"]
    response = client.post(
        reverse("directory_manage:synonyms"), {"phrase": "crochet", "expands_to": "x"}
    )
    assert "already a synonym" in page(response)


def test_synonym_needs_meaning(directory_editor):
    with pytest.raises(ActionError):
        actions.save_synonym(by=directory_editor, phrase="hello", expands_to="", needs=[])
    saved = actions.save_synonym(
        by=directory_editor,
        phrase="skint again",
        expands_to="",
        needs=list(Need.objects.filter(code="money-debt")),
    )
    assert saved.phrase == "skint again"


def test_provider_changes_sessions_cost_ages_needs_and_access(
    client, provider, directory_editor, provider_listing
):
    client.force_login(provider)
    url = reverse("directory_manage:provider_listing", args=[provider_listing.pk])
    response = client.post(
        url,
        edit_data(
            provider_listing,
            day_0="TH",
            opens_0="18:30",
            closes_0="20:00",
            day_1="SA",
            opens_1="10.00",
            closes_1="11:30",
            cost="2.5",
            minimum_age="18",
            needs=["loneliness", "anxiety"],
            wheelchair="yes",
        ),
    )
    assert response.status_code == 302
    change = ListingChange.objects.get()
    assert change.proposed == {
        "sessions": "TH 18:30-20:00;SA 10:00-11:30",
        "cost": "2.50",
        "ages": "18-",
        "needs": "anxiety loneliness",
        "wheelchair": "yes",
    }
    # Nothing is public until the editor approves; they see it in words.
    at_towcester = {"latitude": 52.13, "longitude": -0.99}
    assert search(Query(needs=["anxiety"], **at_towcester)).total == 0
    client.force_login(directory_editor)
    editor_url = reverse("directory_manage:editor_change", args=[change.pk])
    body = page(client.get(editor_url))
    for words in [
        "Tuesdays 10:00–12:00",
        "Thursdays 18:30–20:00",
        "Saturdays 10:00–11:30",
        "Free",
        "£2.50 a session",
        "18 and over",
        "Anxiety",
        "Step-free access",
    ]:
        assert words in body
    client.post(editor_url, {"decision": "approve"})

    match = search(
        Query(needs=["anxiety"], days=["thu"], wheelchair=True, age=30, **at_towcester)
    ).matches[0]
    assert "Thursdays 18:30–20:00 — you are free" in match.reasons
    assert "£2.50 per session" in match.reasons
    assert search(Query(needs=["anxiety"], age=16, **at_towcester)).total == 0
    assert search(Query(needs=["anxiety"], free_only=True, **at_towcester)).total == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"day_0": "TU", "opens_0": "12:00", "closes_0": "10:00"}, "must end after it starts"),
        ({"day_0": "TU", "opens_0": "", "closes_0": ""}, "Give the start and end time"),
        ({"day_0": "", "opens_0": "10:00", "closes_0": "11:00"}, "Choose the day"),
        ({"opens_0": "ten o'clock"}, "Enter a time like 10:00"),
        ({"minimum_age": "30", "maximum_age": "18"}, "must not be less than the youngest"),
        ({"cost": "-1"}, "The cost cannot be less than 0"),
        ({"cost": "cheap"}, "Enter the cost like 3.50"),
        ({"wheelchair": "maybe"}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_bad_listing_changes_are_named_and_nothing_is_sent(
    client, provider, provider_listing, changes, message
):
    client.force_login(provider)
    url = reverse("directory_manage:provider_listing", args=[provider_listing.pk])
    response = client.post(url, edit_data(provider_listing, **changes))
    assert response.status_code == 200
    assert message in page(response)
    assert not ListingChange.objects.exists()


def test_a_timetable_the_form_cannot_show_is_left_to_the_editor(provider, provider_listing):
    from directory import listing_fields
    from directory.models import Schedule

    Schedule.objects.filter(service=provider_listing).update(freq="MONTHLY", byday="1FR")
    assert "sessions" not in listing_fields.editable(provider_listing)
    with pytest.raises(ActionError, match="Ask the directory editor"):
        actions.propose_change(
            by=provider, service=provider_listing, proposed={"sessions": [("MO", None, None)]}
        )


def test_the_same_values_again_are_not_a_change(client, provider, provider_listing):
    client.force_login(provider)
    url = reverse("directory_manage:provider_listing", args=[provider_listing.pk])
    assert "Nothing has changed" in page(client.post(url, edit_data(provider_listing)))


def test_provider_sees_why_a_change_was_rejected(
    client, provider, directory_editor, provider_listing
):
    change = actions.propose_change(by=provider, service=provider_listing, proposed={"name": "X"})
    actions.decide_change(by=directory_editor, change=change, approve=False, reason="Too short")
    client.force_login(provider)
    body = page(
        client.get(reverse("directory_manage:provider_listing", args=[provider_listing.pk]))
    )
    assert "Your last change was not published" in body and "Too short" in body


def test_access_change_reaches_every_listing_at_the_venue(
    provider, directory_editor, provider_listing, area
):
    from directory.models import ServiceAtLocation

    other = factories.activity(area=area, name="Choir", needs=("low-mood",))
    venue = ServiceAtLocation.objects.get(service=provider_listing).location
    ServiceAtLocation.objects.filter(service=other).update(location=venue)
    from directory import search_index

    search_index.refresh([other.pk])
    change = actions.propose_change(
        by=provider, service=provider_listing, proposed={"wheelchair": "yes"}
    )
    actions.decide_change(by=directory_editor, change=change, approve=True)
    assert [m.name for m in search(Query(needs=["low-mood"], wheelchair=True)).matches] == ["Choir"]


def test_spare_places_in_one_click(client, provider, other_provider, area):
    listing = factories.activity(
        area=area, name="Cafe", owner=provider.organisation, capacity=1, maximum=2
    )
    client.force_login(provider)
    url = reverse("directory_manage:provider_places", args=[listing.pk])
    client.post(url, {"step": "taken"})
    assert Service.objects.get(pk=listing.pk).capacity_available == 0
    assert "already full" in page(client.post(url, {"step": "taken"}, follow=True))
    client.post(url, {"step": "freed"})
    client.post(url, {"step": "freed"})
    assert "already free" in page(client.post(url, {"step": "freed"}, follow=True))
    assert Service.objects.get(pk=listing.pk).capacity_available == 2
    match = search(Query(needs=["loneliness"], latitude=52.13, longitude=-0.99)).matches[0]
    assert "2 places left" in match.reasons
    client.force_login(other_provider)
    assert client.post(url, {"step": "taken"}).status_code == 404
