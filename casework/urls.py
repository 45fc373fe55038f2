from django.urls import path

from casework.views import (
    activities,
    availability,
    case,
    caseload,
    consent,
    contacts,
    discharge,
    plan,
)

app_name = "casework"
urlpatterns = [
    path("", caseload.caseload, name="caseload"),
    path("team/", caseload.team, name="team"),
    path("<uuid:pk>/", case.case, name="case"),
    path("<uuid:pk>/contacts/new/", contacts.record_contact, name="record_contact"),
    path("<uuid:pk>/what-matters/", plan.what_matters, name="what_matters"),
    path("<uuid:pk>/goals/new/", plan.new_goal, name="new_goal"),
    path("<uuid:pk>/goals/<uuid:goal_pk>/review/", plan.review_goal, name="review_goal"),
    path("<uuid:pk>/discharge/", discharge.discharge, name="discharge"),
    path("<uuid:pk>/free/", availability.availability, name="availability"),
    path("<uuid:pk>/consent/", consent.consent, name="consent"),
    path("<uuid:pk>/contact-details/", consent.contact_details, name="contact_details"),
    path("<uuid:pk>/about/", consent.about, name="about"),
    path("<uuid:pk>/activities/", activities.find_for_person, name="find_activities"),
    path("<uuid:pk>/activities/suggest/", activities.suggest, name="suggest_activity"),
]
