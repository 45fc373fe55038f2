from django.urls import path

from administration.views import areas, ods_import, organisations

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
]
