from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import path, re_path

from api.fhir import capability, views


@login_not_required
def openapi(request):
    return JsonResponse(capability.openapi(request))


app_name = "fhir"
urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("openapi.json", openapi, name="openapi"),
    path("ServiceRequest", views.create_service_request, name="service_requests"),
    path("ServiceRequest/<str:pk>", views.read_service_request, name="service_request"),
    path("Task", views.search_tasks, name="tasks"),
    path("Task/<str:pk>", views.read_task, name="task"),
    path("Bundle/<str:pk>", views.read_bundle, name="bundle"),
    re_path(r"^(?P<resource_type>[A-Za-z]+)(?P<rest>/.*)?$", views.unsupported, name="unsupported"),
]
