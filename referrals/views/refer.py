from django.contrib import messages
from django.shortcuts import redirect, render

from core.permissions import Permission, require_permission
from referrals import actions
from referrals.forms import ReferralForm
from referrals.models import Referral
from referrals.routing import service_for


def new_referral(request):
    require_permission(request.user, Permission.REFERRAL_CREATE)
    service = _service_for(request.user)
    if service is None:
        return render(request, "referrals/no_service.jinja", status=503)
    form = ReferralForm(request.POST or None)
    duplicate = possible_match = None
    confirming = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = actions.create_referral(
                by=request.user,
                service=service,
                person=actions.PersonDetails(
                    nhs_number=data["nhs_number"],
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
                ),
                needs=list(data["needs"]),
                context=data["context"].strip(),
                consent_to_contact=data["consent_to_contact"],
                referring_organisation=request.user.organisation,
                confirmed_new_person=data["confirm_new_person"],
            )
        except actions.DuplicateReferral as error:
            # Only ever this practice's own referral (the action tells of no one else's).
            form.add_action_error(error)
            duplicate = _if_visible(request.user, error.existing)
        except actions.PossibleDuplicatePerson as error:
            form.add_error("confirm_new_person", error.message)
            possible_match = _if_visible(request.user, error.existing)
            confirming = True
        except actions.ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(
                request,
                f"Referral sent for {referral.person.full_name}. "
                f"{service.name} will be in touch with them.",
            )
            return redirect("referrals:detail", pk=referral.pk)
    return render(
        request,
        "referrals/new.jinja",
        {
            "form": form,
            "service": service,
            "duplicate": duplicate,
            "possible_match": possible_match,
            "confirming": confirming,
            "need_hints": {str(n.pk): n.hint for n in form.fields["needs"].queryset},
        },
    )


def _if_visible(user, referral):
    return referral if Referral.objects.visible_to(user).filter(pk=referral.pk).exists() else None


def _service_for(user):
    # A practice's referrals go by its coverage; a partner's by its area (referrals.routing).
    return service_for(user.organisation)
