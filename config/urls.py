from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("referrals/", include("referrals.urls")),
    path("cases/", include("casework.urls")),
    path("find/", include("directory.urls")),
]

handler404 = "core.views.errors.not_found"
handler403 = "core.views.errors.forbidden"
handler500 = "core.views.errors.server_error"
