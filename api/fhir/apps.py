from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "api.fhir"
    label = "fhir"
    verbose_name = "FHIR API for GP systems"

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save

        from api.fhir import reasons
        from api.fhir.models import ReasonMapping
        from referrals.models import Need

        # The cached reason map (api/fhir/reasons.py) is read again after any change to what
        # it holds in this process; migrations and test flushes use historical models, so
        # post_migrate covers them.
        for model in (ReasonMapping, Need):
            post_save.connect(reasons.forget, sender=model, dispatch_uid=f"fhir-reasons-{model}")
            post_delete.connect(
                reasons.forget, sender=model, dispatch_uid=f"fhir-reasons-del-{model}"
            )
        post_migrate.connect(reasons.forget, dispatch_uid="fhir-reasons-migrate")
