from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "api.fhir"
    label = "fhir"
    verbose_name = "FHIR API for GP systems"
