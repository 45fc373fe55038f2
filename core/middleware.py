import secrets

# Scripts only from our own origin or carrying this response's nonce; no inline styles,
# no framing, forms post only to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


class SecurityHeadersMiddleware:
    """Headers Django does not set itself. Pages hold personal data: never cache them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if request.user.is_authenticated:
            response.setdefault("Cache-Control", "no-store")
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        # The interactive API docs (Swagger UI, served from our own static files) start
        # with an inline script we do not control; every other page gets the strict policy.
        if not (request.path.startswith("/api/") and request.path.endswith("/docs")):
            response.setdefault(
                "Content-Security-Policy", CONTENT_SECURITY_POLICY.format(nonce=request.csp_nonce)
            )
        return response
