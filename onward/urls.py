from django.urls import path

from onward.views import case, provider

app_name = "onward"
urlpatterns = [
    path("provider/referrals/", provider.referrals, name="provider_referrals"),
    path("provider/referrals/<uuid:pk>/", provider.referral, name="provider_referral"),
    path("provider/referrals/<uuid:pk>/answer/", provider.answer, name="provider_answer"),
    path(
        "provider/referrals/<uuid:pk>/attendance/", provider.attendance, name="provider_attendance"
    ),
    path("provider/referrals/<uuid:pk>/end/", provider.finish, name="provider_finish"),
    path("provider/referrals/<uuid:pk>/message/", provider.note, name="provider_note"),
    path("cases/<uuid:pk>/activities/<uuid:service_pk>/refer/", case.refer, name="refer"),
    path("cases/<uuid:pk>/signpost/", case.signpost, name="signpost"),
    path("cases/<uuid:pk>/onward/<uuid:onward_pk>/", case.detail, name="case_onward"),
    path("cases/<uuid:pk>/onward/<uuid:onward_pk>/cancel/", case.cancel, name="case_cancel"),
    path("cases/<uuid:pk>/onward/<uuid:onward_pk>/stopped/", case.stop, name="case_stop"),
    path("cases/<uuid:pk>/onward/<uuid:onward_pk>/message/", case.note, name="case_note"),
]
