from django.urls import path

from accounts.oidc import views as single_sign_on
from accounts.views import password, second_factor, setup
from accounts.views.session import SignInView, SignOutView

app_name = "accounts"
urlpatterns = [
    path("sign-in/", SignInView.as_view(), name="login"),
    path("sign-out/", SignOutView.as_view(), name="logout"),
    path("oidc/<str:code>/start/", single_sign_on.start, name="oidc_start"),
    path("oidc/<str:code>/callback/", single_sign_on.callback, name="oidc_callback"),
    path("oidc/<str:code>/jwks.json", single_sign_on.jwks, name="oidc_jwks"),
    path(
        "oidc/<str:code>/back-channel-logout/",
        single_sign_on.back_channel_logout,
        name="oidc_back_channel_logout",
    ),
    path("second-factor/", second_factor.verify, name="second_factor_verify"),
    path("second-factor/set-up/", second_factor.set_up, name="second_factor_set_up"),
    path("second-factor/recovery-codes/", second_factor.recovery_codes, name="recovery_codes"),
    path(
        "second-factor/recovery-codes/download/",
        second_factor.recovery_codes_download,
        name="recovery_codes_download",
    ),
    path(
        "second-factor/recovery-codes/new/",
        second_factor.new_recovery_codes,
        name="new_recovery_codes",
    ),
    path("<uuid:pk>/reset-second-factor/", second_factor.reset, name="reset_second_factor"),
    path("password/forgotten/", password.reset_request, name="password_reset"),
    path("password/forgotten/sent/", password.reset_sent, name="password_reset_sent"),
    path(
        "password/reset/<uidb64>/<token>/",
        password.reset_confirm,
        name="password_reset_confirm",
    ),
    path("password/reset/done/", password.reset_complete, name="password_reset_complete"),
    path("password/change/", password.change, name="password_change"),
    path("confirm-its-you/", password.confirm_its_you, name="confirm_its_you"),
    path("set-up/", setup.set_up, name="set_up"),
    path("set-up/<str:token>/", setup.set_up_start, name="set_up_start"),
]
