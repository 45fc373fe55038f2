from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        # Request ids: unbound when a response is done; background tasks log with the id of
        # the request that queued them (core/request_id.py).
        from core.request_id import connect_signals

        connect_signals()
