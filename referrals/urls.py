from django.urls import path

from referrals.views import bulk, find, refer, sent, triage

app_name = "referrals"
urlpatterns = [
    path("", sent.sent_referrals, name="sent"),
    path("new/", refer.new_referral, name="new"),
    path("find/", find.find, name="find"),
    path("triage/", triage.triage_queue, name="triage"),
    path("upload/", bulk.uploads, name="uploads"),
    path("upload/template.csv", bulk.template, name="upload_template"),
    path("upload/<uuid:pk>/", bulk.upload, name="upload"),
    path("<uuid:pk>/", sent.referral_detail, name="detail"),
    path("<uuid:pk>/triage/", triage.triage_referral, name="triage_referral"),
    path("<uuid:pk>/allocate/", triage.allocate, name="allocate"),
]
