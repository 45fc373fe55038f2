"""Refer yourself: a public, accessible form that lands in the same triage queue, marked
"self-referral"."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from core.errors import ActionError
from organisations import public_information
from referrals import actions, self_referral
from referrals.forms import SelfReferralForm
from referrals.models import Need, Referral
from referrals.references import unused_reference
from referrals.routing import service_for


@never_cache
@login_not_required
def refer_yourself(request):
    form = SelfReferralForm(request.POST or None, initial={"started": self_referral.form_token()})
    # Before a postcode or practice says otherwise, the page is the installation's (or the
    # asked-for) area's: organisations/public_information.py.
    area = public_information.area_for_request(request)
    page = {"form": form, "public_area": area, "contact": public_information.contact(area=area)}
    if request.method != "POST":
        return render(request, "referrals/self_referral.jinja", page)
    if self_referral.over_the_limit(request):
        return render(request, "referrals/self_referral_busy.jinja", status=429)
    actions.note_self_referral_attempt(address_hash=self_referral.address_hash(request))
    if request.POST.get("website"):
        # Only automated form-fillers see this field. Say nothing to them.
        return _robot_thanked(request, page)
    if not form.is_valid():
        # People correcting mistakes keep the time they started; bots learn nothing here.
        return render(request, "referrals/self_referral.jinja", page)
    timing = self_referral.too_fast_or_stale(request.POST.get("started", ""))
    if timing in ("fast", "forged"):
        return _robot_thanked(request, page)
    if timing == "stale":
        form.add_error(None, "This page was open a long time: check your answers and send again")
        form.data = form.data.copy()
        form.data["started"] = self_referral.form_token()
        return render(request, "referrals/self_referral.jinja", page)
    data = form.cleaned_data
    practice = data.get("registered_practice") or self_referral.nearest_practice(data["postcode"])
    service = service_for(practice) if practice else None
    if service is None:
        form.add_error(
            "postcode",
            "We do not have a social prescribing service for your area yet. Ask your GP "
            "practice about support near you.",
        )
        return render(request, "referrals/self_referral.jinja", page)
    needs = list(Need.objects.filter(code__in=data["needs"]))
    needs += [n for n in self_referral.needs_from_words(data["words"]) if n not in needs]
    if not needs:
        needs = list(Need.objects.filter(code="other"))
    person = actions.PersonDetails(
        nhs_number="",
        given_name=data["given_name"].strip(),
        family_name=data["family_name"].strip(),
        date_of_birth=data["date_of_birth"],
        postcode=data["postcode"],
        phone=data["phone"],
        email=data["email"],
        preferred_contact=data["preferred_contact"],
        texts_allowed=data["texts_allowed"],
        emails_allowed=data["emails_allowed"],
        sex=data["sex"],
        ethnicity=data["ethnicity"],
    )
    try:
        # Whoever is named, the answer is the same "Thank you": anyone can fill this form in,
        # so it must not tell them whether that person is known or already referred. If they
        # are, the referral is taken anyway and triage sees it as a possible duplicate.
        referral = actions.create_referral(
            by=None,
            service=service,
            person=person,
            needs=needs,
            context=(data["words"] or "").strip(),
            consent_to_contact=data["consent_to_contact"],
            source=Referral.Source.SELF,
            registered_practice=data.get("registered_practice"),
            confirmed_new_person=True,
        )
    except ActionError as error:
        form.add_action_error(error)
        return render(request, "referrals/self_referral.jinja", page)
    # The reference and who will call come from the new referral and its service alone (never
    # from anyone already known), so the page is the same whoever was named.
    return render(
        request,
        "referrals/self_referral_done.jinja",
        {
            "public_area": service.area,
            "reference": referral.reference,
            "contact": public_information.contact(service=service),
            "working_days": service.response_working_days,
        },
    )


def _robot_thanked(request, page):
    """What automated form-fillers are shown: a thank-you shaped like everyone's (with a
    reference that is no referral's), so they cannot tell they were caught."""
    return render(
        request,
        "referrals/self_referral_done.jinja",
        {
            "public_area": page["public_area"],
            "reference": unused_reference(),
            "contact": page["contact"],
            "working_days": None,
        },
    )
