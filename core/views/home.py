from django.shortcuts import redirect

from core.permissions import Permission, has_permission

# Where each kind of user starts, in order of precedence.
LANDING = [
    (Permission.TRIAGE, "referrals:triage"),
    (Permission.CASE_VIEW, "casework:caseload"),
    (Permission.REFERRAL_CREATE, "referrals:sent"),
    (Permission.AREA_FIGURES_VIEW, "reporting:dashboard"),
    (Permission.NATIONAL_FIGURES_VIEW, "reporting:england"),
    (Permission.ONWARD_RESPOND, "onward:provider_referrals"),
    (Permission.DIRECTORY_EDIT, "directory_manage:editor_changes"),
    (Permission.AREAS_MANAGE, "administration:areas"),
    (Permission.ORGANISATIONS_MANAGE, "administration:organisations"),
]


def home(request):
    for permission, target in LANDING:
        if has_permission(request.user, permission):
            return redirect(target)
    return redirect("accounts:login")
