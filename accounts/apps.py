from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # Signing in records when the person last confirmed it was them (accounts/reauth.py),
        # and which generation of the account's sessions it belongs to (accounts/sessions.py).
        from accounts import reauth, sessions  # noqa: F401
