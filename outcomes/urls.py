from django.urls import path

from outcomes.views import case, healthcare_use, person, referrer

app_name = "outcomes"
urlpatterns = [
    # The link worker, with the person
    path("cases/<uuid:pk>/questionnaires/new/", case.new, name="new"),
    path(
        "cases/<uuid:pk>/questionnaires/<uuid:request_pk>/send/", case.send_link, name="send_link"
    ),
    path(
        "cases/<uuid:pk>/questionnaires/<uuid:request_pk>/<slug:code>/",
        case.complete,
        name="complete",
    ),
    path(
        "cases/<uuid:pk>/questionnaires/other/<slug:timepoint>/<slug:code>/",
        case.complete,
        name="complete_other",
    ),
    path(
        "cases/<uuid:pk>/responses/<uuid:response_pk>/fhir/",
        case.response_fhir,
        name="response_fhir",
    ),
    path("cases/<uuid:pk>/message-back/", case.message_back, name="message_back"),
    path("cases/<uuid:pk>/nhs-use/", healthcare_use.healthcare_use, name="healthcare_use"),
    path("questionnaires/<slug:code>/fhir/", case.questionnaire_fhir, name="questionnaire_fhir"),
    path("alerts/", case.alerts, name="alerts"),
    path("alerts/<uuid:pk>/", case.alert, name="alert"),
    # The referrer
    path(
        "referrals/<uuid:pk>/message-back/<uuid:message_pk>/pdf/",
        referrer.as_pdf,
        name="message_back_pdf",
    ),
    path(
        "referrals/<uuid:pk>/message-back/<uuid:message_pk>/fhir/",
        referrer.as_fhir,
        name="message_back_fhir",
    ),
    # The person, on their own phone (no account)
    path("q/<str:token>/", person.start, name="answer_start"),
    path("q/<str:token>/done/", person.done, name="answer_done"),
    path("q/<str:token>/support/", person.support, name="answer_support"),
    path("q/<str:token>/<slug:code>/<int:number>/", person.question, name="answer_question"),
]
