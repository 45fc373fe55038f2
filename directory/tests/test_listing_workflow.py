from datetime import timedelta
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from core.errors import ActionError, ConcurrentChange
from directory import actions
from directory.models import ListingChange, ListingFlag, Service, Synonym
from directory.search import Query, search
from referrals.models import Need
from tests import factories

pytestmark = pytest.mark.django_db


def page(response):
    return unescape(response.content.decode())


def edit_data(service, **changes):
    data = {f"listing-{f}": getattr(service, f) for f in ListingChange.EDITABLE_FIELDS}
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


def test_reminder_due_after_six_months(provider_listing):
    Service.objects.filter(pk=provider_listing.pk).update(
        last_verified_on=timezone.localdate() - timedelta(days=200)
    )
    assert actions.review_freshness(by=None) == {"hidden": 0, "reminders_due": 1}


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
