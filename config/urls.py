from django.urls import include, path

from administration.views import public_information
from api.openreferral.endpoints import api as openreferral_api
from api.public import public_urls
from api.v1 import api as api_v1
from referrals.views.self_referral import refer_yourself

# /health/live, /health/ready, /api/v1/health and /metrics are not routed here: they are
# answered by core.health.ProbeMiddleware before the host check, the HTTPS redirect and
# sign-in, which load balancers and Prometheus could not pass (core/health.py).
urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("referrals/", include("referrals.urls")),
    path("refer-yourself/", refer_yourself, name="refer_yourself"),
    # Every area's notices, linked from every page's footer: public, as the law requires.
    path("privacy/", public_information.privacy_notice, name="privacy_notice"),
    path(
        "accessibility/",
        public_information.accessibility_statement,
        name="accessibility_statement",
    ),
    path("cases/", include("casework.urls")),
    path("", include("onward.urls")),
    path("", include("outcomes.urls")),
    path("figures/", include("reporting.urls")),
    path("find/", include("directory.urls")),
    path("directory/", include("directory.urls_manage")),
    path("api/v1/", public_urls(api_v1)),
    path("api/openreferral/", public_urls(openreferral_api)),
    path("api/fhir/", include("api.fhir.urls")),
    path("administration/", include("administration.urls")),
]

handler404 = "core.views.errors.not_found"
handler403 = "core.views.errors.forbidden"
handler500 = "core.views.errors.server_error"
