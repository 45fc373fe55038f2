from django.urls import path

from directory.views import find, manage

app_name = "directory"
urlpatterns = [
    path("", find.find_activity, name="find"),
    path("activities/<uuid:pk>/", find.activity, name="activity"),
    path("activities/<uuid:pk>/report/", manage.report_listing, name="report"),
]
