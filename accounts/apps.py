from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # Signing in records when the person last confirmed it was them (accounts/reauth.py).
        from accounts import reauth  # noqa: F401
