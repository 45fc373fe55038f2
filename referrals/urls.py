from django.urls import path

from referrals.views import refer, sent, triage

app_name = "referrals"
urlpatterns = [
    path("", sent.sent_referrals, name="sent"),
    path("new/", refer.new_referral, name="new"),
    path("triage/", triage.triage_queue, name="triage"),
    path("<uuid:pk>/", sent.referral_detail, name="detail"),
    path("<uuid:pk>/triage/", triage.triage_referral, name="triage_referral"),
    path("<uuid:pk>/allocate/", triage.allocate, name="allocate"),
]
