from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

        from organisations.models import Organisation, PrimaryCareNetwork
        from referrals import routing

        # The routing cache (referrals/routing.py) is read again after any change to what it
        # holds in this process; migrations and test flushes use historical models, so
        # post_migrate covers them.
        for model in (Organisation, PrimaryCareNetwork):
            post_save.connect(routing.forget, sender=model, dispatch_uid=f"routing-{model}")
            post_delete.connect(routing.forget, sender=model, dispatch_uid=f"routing-del-{model}")
        for through in (Organisation.covers_practices.through, Organisation.covers_pcns.through):
            m2m_changed.connect(routing.forget, sender=through, dispatch_uid=f"routing-{through}")
        post_migrate.connect(routing.forget, dispatch_uid="routing-migrate")
