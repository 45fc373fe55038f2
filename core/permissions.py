"""Permissions as data: roles list what they may do; one function checks.

Scope (which organisation's records) is not decided here: it is the QuerySets'
`visible_to(user)` job, and a record out of scope is a 404.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db import models


class Permission(StrEnum):
    REFERRAL_CREATE = "referral.create"
    REFERRAL_VIEW_SENT = "referral.view_sent"  # the referrer's own organisation's referrals
    TRIAGE = "referral.triage"  # accept, decline, redirect
    ALLOCATE = "referral.allocate"
    CASE_VIEW = "case.view"  # a person's page within the service
    CASE_WORK = "case.work"  # contacts, what matters, goals
    CASE_DISCHARGE = "case.discharge"
    TEAM_VIEW = "team.view"  # caseload sizes across the service
    AREA_FIGURES_VIEW = "area.figures_view"  # aggregates only, small numbers suppressed
    SERVICE_FIGURES_VIEW = "service.figures_view"  # own service's figures, exact
    NATIONAL_FIGURES_VIEW = "national.figures_view"  # every area, aggregates only, suppressed
    FIGURES_CONFIGURE = "figures.configure"  # unit costs, investment, population
    HEALTHCARE_USE_RECORD = "healthcare_use.record"  # GP and A&E use on a person's page
    HEALTHCARE_USE_IMPORT = "healthcare_use.import"  # the same from practice data, by CSV
    EXTRACT_PERSON_LEVEL = "extract.person_level"  # pseudonymised extracts for evaluators
    DIRECTORY_VIEW = "directory.view"  # community activities (no personal data)
    LISTING_EDIT_OWN = "directory.edit_own"  # providers: their organisation's listings
    DIRECTORY_EDIT = "directory.edit"  # approve changes, synonyms, flags
    ONWARD_RESPOND = "onward.respond"  # providers: answer referrals to their activities
    BACKGROUND_WORK_STATUS = "operations.background_work"  # told when texts etc. are held up
    # Administration: no case records in any of these.
    AREAS_MANAGE = "admin.areas"  # the installation's areas and their first service admins
    ORGANISATIONS_MANAGE = "admin.organisations"  # the area's practices, PCNs, services, partners
    STAFF_MANAGE = "admin.staff"  # invite, change role, switch off and on, reset second factor
    ACCESS_REVIEW = "admin.access_review"  # every account in the area, for the periodic review
    AREA_SETTINGS_EDIT = "admin.area_settings"  # privacy notice, accessibility statement, …


class Role(models.TextChoices):
    REFERRER = "referrer", "Referrer"
    TEAM_LEAD = "team_lead", "Team lead"
    LINK_WORKER = "link_worker", "Link worker"
    COMMISSIONER = "commissioner", "Commissioner"
    PROVIDER = "provider", "Community provider"
    DIRECTORY_EDITOR = "directory_editor", "Directory editor"
    NATIONAL = "national", "National analyst"
    SYSTEM_ADMIN = "system_admin", "System administrator"
    SERVICE_ADMIN = "service_admin", "Service administrator"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.REFERRER: frozenset(
        {Permission.REFERRAL_CREATE, Permission.REFERRAL_VIEW_SENT, Permission.DIRECTORY_VIEW}
    ),
    Role.TEAM_LEAD: frozenset(
        {
            Permission.TRIAGE,
            Permission.ALLOCATE,
            Permission.CASE_VIEW,
            Permission.CASE_WORK,
            Permission.CASE_DISCHARGE,
            Permission.TEAM_VIEW,
            Permission.DIRECTORY_VIEW,
            Permission.SERVICE_FIGURES_VIEW,
            Permission.HEALTHCARE_USE_RECORD,
            Permission.HEALTHCARE_USE_IMPORT,
            Permission.EXTRACT_PERSON_LEVEL,
            Permission.BACKGROUND_WORK_STATUS,
        }
    ),
    Role.LINK_WORKER: frozenset(
        {
            Permission.CASE_VIEW,
            Permission.CASE_WORK,
            Permission.CASE_DISCHARGE,
            Permission.DIRECTORY_VIEW,
            Permission.SERVICE_FIGURES_VIEW,
            Permission.HEALTHCARE_USE_RECORD,
        }
    ),
    Role.COMMISSIONER: frozenset(
        {Permission.AREA_FIGURES_VIEW, Permission.FIGURES_CONFIGURE, Permission.DIRECTORY_VIEW}
    ),
    Role.PROVIDER: frozenset(
        {Permission.LISTING_EDIT_OWN, Permission.DIRECTORY_VIEW, Permission.ONWARD_RESPOND}
    ),
    Role.DIRECTORY_EDITOR: frozenset({Permission.DIRECTORY_EDIT, Permission.DIRECTORY_VIEW}),
    Role.NATIONAL: frozenset(
        {
            Permission.NATIONAL_FIGURES_VIEW,
            Permission.FIGURES_CONFIGURE,
            Permission.DIRECTORY_VIEW,
        }
    ),
    # Whoever runs the installation: areas and their first service administrators only.
    Role.SYSTEM_ADMIN: frozenset({Permission.AREAS_MANAGE, Permission.STAFF_MANAGE}),
    # One area's organisations, services, staff and settings; never a case record.
    Role.SERVICE_ADMIN: frozenset(
        {
            Permission.ORGANISATIONS_MANAGE,
            Permission.STAFF_MANAGE,
            Permission.ACCESS_REVIEW,
            Permission.AREA_SETTINGS_EDIT,
            Permission.BACKGROUND_WORK_STATUS,
        }
    ),
}


def has_permission(user, permission: Permission) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def require_permission(user, permission: Permission) -> None:
    if not has_permission(user, permission):
        raise PermissionDenied(f"You need the '{permission}' permission.")
