from django.urls import path

from administration.views import (
    access_review,
    areas,
    ods_import,
    organisations,
    public_information,
    single_sign_on,
    staff,
    staff_invites,
    staff_list,
)

app_name = "administration"
urlpatterns = [
    path("areas/", areas.area_list, name="areas"),
    path("areas/new/", areas.new_area, name="new_area"),
    path("areas/<uuid:pk>/", areas.area_detail, name="area"),
    path("organisations/", organisations.organisation_list, name="organisations"),
    path("organisations/new/", organisations.new_organisation, name="new_organisation"),
    path("organisations/<uuid:pk>/", organisations.edit_organisation, name="organisation"),
    path("pcns/new/", organisations.new_pcn, name="new_pcn"),
    path("pcns/<uuid:pk>/", organisations.edit_pcn, name="pcn"),
    path("practices/import/", ods_import.import_practices, name="import_practices"),
    path("single-sign-on/", single_sign_on.single_sign_on, name="single_sign_on"),
    path(
        "public-information/",
        public_information.edit_public_information,
        name="public_information",
    ),
    # Staff: the list and invitations (staff_list.py, staff_invites.py).
    path("staff/", staff_list.staff_list, name="staff"),
    path("staff/invitations/", staff_invites.invitation_list, name="invitations"),
    path("staff/invite/", staff_invites.invite, name="invite_staff"),
    path("staff/invite/spreadsheet/", staff_invites.bulk_invite, name="bulk_invite"),
    path(
        "staff/invite/spreadsheet/template/",
        staff_invites.bulk_invite_template,
        name="bulk_invite_template",
    ),
    path(
        "staff/invitations/<uuid:pk>/resend/",
        staff_invites.resend_invitation,
        name="resend_invitation",
    ),
    path("staff/invitations/<uuid:pk>/cancel/", staff_invites.cancel, name="cancel_invitation"),
    # A member of staff's page and their account's lifecycle (staff.py), the access review.
    path("staff/<uuid:pk>/", staff.staff_member, name="staff_member"),
    path("staff/<uuid:pk>/role/", staff.change_role, name="change_role"),
    path("staff/<uuid:pk>/switch-off/", staff.switch_off, name="switch_off"),
    path("staff/<uuid:pk>/switch-on/", staff.switch_on, name="switch_on"),
    path("access-review/", access_review.access_review, name="access_review"),
    path("access-review.csv", access_review.access_review_csv, name="access_review_csv"),
]
