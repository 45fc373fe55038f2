from django.apps import AppConfig


class OnwardConfig(AppConfig):
    name = "onward"
    verbose_name = "Referrals to community activities"
