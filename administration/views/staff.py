"""A member of staff's page for an administrator, and the account's lifecycle: change role,
switch off a leaver, switch back on, reset the second factor (the button posts to
`accounts:reset_second_factor`).

A service administrator reaches every account in their own area; a system administrator
the service and system administrators (`accounts.lifecycle.manageable_by`); any other
account is a 404, and anyone without STAFF_MANAGE gets 403. Changing a role and switching
an account off or on need a recent "Confirm it's you" (accounts/reauth.py). These pages
count a leaver's open cases but never name a person: the team lead sees the cases
(`casework:team`)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import actions, lifecycle, reauth, second_factor
from accounts.actions import ROLES_BY_KIND
from core import audit
from core.errors import ActionError, ConcurrentChange
from core.forms import ActionFormMixin
from core.permissions import Permission, Role, require_permission


class RoleForm(ActionFormMixin, forms.Form):
    role = forms.ChoiceField(
        label="Role",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a role",
            "invalid_choice": "Choose one of the roles listed",
        },
    )
    # The role the administrator saw: of two changing it at once, the second is told.
    seen_role = forms.ChoiceField(choices=Role.choices, widget=forms.HiddenInput)

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in roles]


def _staff_member(request, pk):
    require_permission(request.user, Permission.STAFF_MANAGE)
    people = lifecycle.manageable_by(request.user).select_related("organisation__area")
    return get_object_or_404(people, pk=pk)


def _allowed_roles(person) -> list[Role]:
    allowed = ROLES_BY_KIND.get(person.organisation.kind, set())
    return [role for role in Role if role in allowed]


def _page(person) -> str:
    return reverse("administration:staff_member", args=[person.pk])


def staff_member(request, pk):
    person = _staff_member(request, pk)
    audit.record_view(by=request.user, verb="view_staff_member", obj=person)
    if request.user.role == Role.SYSTEM_ADMIN:
        back = ("Areas", reverse("administration:areas"))
        if not person.organisation.area.operator:
            back = (
                person.organisation.area.name,
                reverse("administration:area", args=[person.organisation.area_id]),
            )
    else:
        back = ("Access review", reverse("administration:access_review"))
    return render(
        request,
        "administration/staff_member.jinja",
        {
            "person": person,
            "own": person.pk == request.user.pk,
            "status": lifecycle.STATUSES[lifecycle.status(person)],
            "has_second_factor": second_factor.has_second_factor(person),
            "open_cases": lifecycle.open_cases_of(person).count(),
            "can_change_role": len(_allowed_roles(person)) > 1,
            "back": back,
        },
    )


def change_role(request, pk):
    person = _staff_member(request, pk)
    here = reverse("administration:change_role", args=[pk])
    if confirm := reauth.confirm_first(request, return_to=here):
        return confirm
    form = RoleForm(
        request.POST or None,
        roles=_allowed_roles(person),
        initial={"role": person.role, "seen_role": person.role},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_role(
                by=request.user,
                user=person,
                role=form.cleaned_data["role"],
                seen_role=form.cleaned_data["seen_role"],
            )
        except ConcurrentChange as error:
            person.refresh_from_db()
            form.add_action_error(error)
            form.data = form.data.copy()
            form.data["seen_role"] = person.role
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(
                request, f"{person.full_name} is now a {person.get_role_display().lower()}."
            )
            return redirect(_page(person))
    return render(
        request,
        "administration/change_role.jinja",
        {
            "person": person,
            "form": form,
            "own": person.pk == request.user.pk,
            "open_cases": lifecycle.open_cases_of(person).count(),
        },
    )


def switch_off(request, pk):
    """Asks first (GET), with how many open cases they hold; switches off on POST."""
    person = _staff_member(request, pk)
    here = reverse("administration:switch_off", args=[pk])
    if confirm := reauth.confirm_first(request, return_to=here):
        return confirm
    error = None
    if request.method == "POST":
        try:
            done = actions.switch_off_account(by=request.user, user=person)
        except ActionError as refused:
            error = refused.message
        else:
            if done:
                messages.success(
                    request,
                    f"{person.full_name}'s account is switched off. They have been signed out "
                    "and cannot sign in.",
                )
            else:
                messages.info(request, f"{person.full_name}'s account was already switched off.")
            return redirect(_page(person))
    return render(
        request,
        "administration/switch_off.jinja",
        {
            "person": person,
            "own": person.pk == request.user.pk,
            "open_cases": lifecycle.open_cases_of(person).count(),
            "error": error,
        },
    )


@require_POST
def switch_on(request, pk):
    person = _staff_member(request, pk)
    if confirm := reauth.confirm_first(request, return_to=_page(person)):
        return confirm
    try:
        done = actions.switch_on_account(by=request.user, user=person)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        if done:
            messages.success(
                request,
                f"{person.full_name}'s account is switched on. They can sign in with their "
                "password and authenticator app.",
            )
        else:
            messages.info(request, f"{person.full_name}'s account was already switched on.")
    return redirect(_page(person))
