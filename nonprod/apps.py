from django.apps import AppConfig


class NonprodConfig(AppConfig):
    name = "nonprod"
    verbose_name = "Demo data (never installed in production)"
