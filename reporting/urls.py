from django.urls import path

from reporting.views import dashboards, extracts, healthcare_use_import, settings

app_name = "reporting"
urlpatterns = [
    path("", dashboards.dashboard, name="dashboard"),
    path("outcomes/", dashboards.dashboard, {"name": "outcomes"}, name="outcomes"),
    path("nhs-use-and-value/", dashboards.dashboard, {"name": "value"}, name="value"),
    path("equity/", dashboards.dashboard, {"name": "equity"}, name="equity"),
    path("england/", dashboards.dashboard, {"name": "england"}, name="england"),
    path("settings/", settings.settings_page, name="settings"),
    path("nhs-use/import/", healthcare_use_import.import_use, name="import_use"),
    path(
        "nhs-use/import/template.csv",
        healthcare_use_import.template,
        name="import_use_template",
    ),
    path("extracts/", extracts.extracts, name="extracts"),
    path("extracts/<uuid:pk>/download/", extracts.download, name="extract_download"),
    path("extracts/<uuid:pk>/revoke/", extracts.revoke, name="extract_revoke"),
]
