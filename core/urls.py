from django.urls import path

from core.views import area, home

app_name = "core"
urlpatterns = [
    path("", home.home, name="home"),
    path("area/", area.overview, name="area_overview"),
]
