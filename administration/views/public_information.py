"""What people outside the NHS are told: each area's privacy notice and accessibility
statement (public pages, linked from every page's footer), and the page where the area's
service administrator writes them and says who runs the service and how to reach them.
Which area a public page is for: `organisations.public_information`."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render

from core.errors import ActionError, ConcurrentChange
from core.forms import ActionFormMixin, DateInputField
from core.permissions import Permission, require_permission
from organisations import actions, notice_text, public_information

NOTICES = {
    "privacy_notice": "Privacy notice",
    "accessibility_statement": "Accessibility statement",
}


@login_not_required
def privacy_notice(request):
    return _notice(request, "privacy_notice")


@login_not_required
def accessibility_statement(request):
    return _notice(request, "accessibility_statement")


def _notice(request, field):
    title = NOTICES[field]
    area = public_information.area_for_request(request)
    if area is None:
        # Several areas, and nothing says which: ask.
        return render(
            request,
            "administration/choose_area.jinja",
            {"title": title, "field": field, "areas": public_information.icb_areas()},
        )
    info = public_information.for_area(area)
    return render(
        request,
        "administration/public_notice.jinja",
        {
            "title": title,
            "info": info,
            "body": notice_text.render(getattr(info, field)),
            "public_area": area,
            "contact": public_information.contact(area=area),
        },
    )


class PublicInformationForm(ActionFormMixin, forms.Form):
    # 0 until the area's information is first saved (then 1, 2, …).
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    service_name = forms.CharField(
        label="Name of the service",
        max_length=200,
        help_text="As people know it, like Northamptonshire Social Prescribing",
        error_messages={"required": "Enter the name people know the service by"},
    )
    phone = forms.CharField(
        label="Phone number",
        max_length=30,
        help_text="Shown on the find an activity and refer yourself pages. Pages about one "
        "person's referral show their service's own number, or this one if it has none.",
        error_messages={"required": "Enter the phone number people can call"},
    )
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format"},
    )
    privacy_notice = forms.CharField(
        label="Privacy notice",
        widget=forms.Textarea,
        max_length=actions.NOTICE_MAX_CHARS,
        error_messages={"required": "Enter the privacy notice"},
    )
    accessibility_statement = forms.CharField(
        label="Accessibility statement",
        widget=forms.Textarea,
        max_length=actions.NOTICE_MAX_CHARS,
        error_messages={"required": "Enter the accessibility statement"},
    )
    reviewed_on = DateInputField(label="Date last reviewed", required=False)


FORMATTING_HINT = (
    "Plain text. Leave a blank line between paragraphs. Start a line with ## for a heading, "
    "### for a smaller one, - for a bullet or 1. for a numbered list. Write [words](https://…) "
    "for a link; web and email addresses become links by themselves. **Two stars** make "
    "bold text. Anything else, HTML included, is shown as typed."
)


def edit_public_information(request):
    """The service administrator's own area only: there is no other area to ask for."""
    require_permission(request.user, Permission.AREA_SETTINGS_EDIT)
    area = request.user.organisation.area
    if area.operator:
        raise Http404("The operator's area has no public pages")
    info = public_information.for_area(area)
    form = PublicInformationForm(
        request.POST or None,
        initial={
            "version": info.version,
            "service_name": info.service_name,
            "phone": info.phone,
            "email": info.email,
            "privacy_notice": info.privacy_notice,
            "accessibility_statement": info.accessibility_statement,
            "reviewed_on": info.reviewed_on,
        },
    )
    preview = None  # (heading, privacy notice, accessibility statement), as they would show
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            preview = ("Preview", data["privacy_notice"], data["accessibility_statement"])
        else:
            try:
                actions.update_public_information(
                    by=request.user,
                    area=area,
                    version=data["version"] or 0,
                    **{k: v for k, v in data.items() if k != "version"},
                )
            except ConcurrentChange as error:
                info = public_information.for_area(area)
                form.add_concurrent_change(error, current_version=info.version)
                preview = (
                    "What they saved",
                    info.privacy_notice,
                    info.accessibility_statement,
                )
            except ActionError as error:
                form.add_action_error(error)
            else:
                messages.success(request, "Public information saved. The pages show it now.")
                return redirect("administration:public_information")
    if preview is not None:
        heading, privacy, accessibility = preview
        preview = {
            "heading": heading,
            "privacy_notice": notice_text.render(privacy, heading_level=4),
            "accessibility_statement": notice_text.render(accessibility, heading_level=4),
            "to_fill_in": notice_text.places_to_fill_in(privacy)
            + notice_text.places_to_fill_in(accessibility),
        }
    return render(
        request,
        "administration/public_information.jinja",
        {
            "form": form,
            "area": area,
            "info": info,
            "preview": preview,
            "formatting_hint": FORMATTING_HINT,
            "to_fill_in": notice_text.places_to_fill_in(info.privacy_notice)
            + notice_text.places_to_fill_in(info.accessibility_statement),
        },
    )
