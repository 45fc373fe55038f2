"""Public APIs: no sign-in, open to any origin (the directory is public information)."""


def public_urls(api):
    """The API's URL patterns, each marked as not needing sign-in."""
    patterns, app_name, namespace = api.urls
    for pattern in _walk(patterns):
        pattern.callback.login_required = False
    return patterns, app_name, namespace


def _walk(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _walk(pattern.url_patterns)
        else:
            yield pattern


class CorsForPublicApiMiddleware:
    """`Access-Control-Allow-Origin: *` on the Open Referral and public search APIs."""

    PREFIXES = ("/api/openreferral/", "/api/v1/activities/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.PREFIXES):
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        return response
