from django.urls import path

from directory.views import services

app_name = "directory"
urlpatterns = [
    path("", services.service_list, name="services"),
]
