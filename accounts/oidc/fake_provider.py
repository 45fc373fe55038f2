"""A fake OpenID provider: a real HTTP server on 127.0.0.1 that Authlib, the real client
library, talks to in tests and in the demo, so that linkwork's requests are the requests
CIS2 or Entra ID would get, and the tokens it checks are real signed JWTs.

It serves discovery, a JWKS with an RSA key it generates, an authorize endpoint that
approves one configured person at once (no page: whoever the test says is signing in), and
a token endpoint that checks the client secret, the redirect URI and the PKCE verifier and
issues an RS256 id_token with the nonce it was given.

Tests make it misbehave on demand (`issue_next`): a token from the wrong issuer or for the
wrong audience, with the wrong or no nonce, signed by a key it does not publish, or already
expired. Times come from `time.time()`, which time-machine moves for both sides.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

# What `issue_next` accepts.
MISCHIEF = {
    "wrong_issuer",
    "wrong_audience",
    "another_audience_naming_us",  # aud someone else, azp us: Authlib alone lets it through
    "wrong_nonce",
    "no_nonce",
    "bad_signature",
    "expired",
    "no_id_token",  # an OAuth answer without OpenID: Authlib alone checks nothing
}
TOKEN_LIFETIME = 300


class FakeIdentityProvider:
    def __init__(
        self,
        *,
        client_id: str = "linkwork-test",
        client_secret: str = "fake-secret",
        port: int = 0,
        issuer_path: str = "",
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "fake-1", "use": "sig"})
        # Signs the "bad_signature" tokens under the published key's id.
        self.impostor_key = RSAKey.generate_key(2048, parameters={"kid": "fake-1", "use": "sig"})
        # The person the authorize endpoint signs in: sub, email, amr, name…
        self.user: dict = {"sub": "fake-subject-1", "email": "person@example.nhs.uk"}
        self.requests: list[dict] = []
        self._codes: dict[str, dict] = {}
        self._mischief: list[str] = []
        self._lock = threading.Lock()
        self.issuer_path = issuer_path
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def issuer(self) -> str:
        return self.base_url + self.issuer_path

    def start(self) -> "FakeIdentityProvider":
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sign_in_as(self, **claims) -> None:
        """Who the next authorisation signs in (their claims in the id_token)."""
        self.user = dict(claims)

    def issue_next(self, *mischief: str) -> None:
        """Make the next token issued bad in these ways (see MISCHIEF)."""
        unknown = set(mischief) - MISCHIEF
        if unknown:
            raise ValueError(f"Unknown mischief: {sorted(unknown)}")
        with self._lock:
            self._mischief = list(mischief)

    def metadata(self) -> dict:
        iss = self.issuer
        return {
            "issuer": iss,
            "authorization_endpoint": f"{iss}/authorize",
            "token_endpoint": f"{iss}/token",
            "jwks_uri": f"{iss}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "name", "amr", "acr"],
        }

    # The HTTP side

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet: tests and the demo print their own
                pass

            def do_GET(self):
                fake._serve(self, "GET")

            def do_POST(self):
                fake._serve(self, "POST")

        return Handler

    def _serve(self, request, method: str) -> None:
        parts = urlsplit(request.path)
        path = parts.path[len(self.issuer_path) :] if self.issuer_path else parts.path
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode() if length else ""
        self.requests.append({"method": method, "path": path, "query": parts.query})
        if method == "GET" and path == "/.well-known/openid-configuration":
            return self._json(request, 200, self.metadata())
        if method == "GET" and path == "/jwks":
            return self._json(request, 200, KeySet([self.key]).as_dict(private=False))
        if method == "GET" and path == "/authorize":
            return self._authorize(request, _single(parse_qs(parts.query)))
        if method == "POST" and path == "/token":
            return self._token(request, _single(parse_qs(body)))
        return self._json(request, 404, {"error": "not_found"})

    def _authorize(self, request, params: dict) -> None:
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id or not redirect_uri:
            return self._json(request, 400, {"error": "invalid_request"})
        if params.get("response_type") != "code" or "openid" not in params.get("scope", ""):
            return self._redirect(request, redirect_uri, error="invalid_request", state=params)
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = {
                "redirect_uri": redirect_uri,
                "nonce": params.get("nonce"),
                "challenge": params.get("code_challenge"),
                "method": params.get("code_challenge_method"),
                "user": dict(self.user),
            }
        query = {"code": code}
        if "state" in params:
            query["state"] = params["state"]
        request.send_response(302)
        request.send_header("Location", f"{redirect_uri}?{urlencode(query)}")
        request.end_headers()

    def _redirect(self, request, redirect_uri, *, error, state):
        query = {"error": error}
        if "state" in state:
            query["state"] = state["state"]
        request.send_response(302)
        request.send_header("Location", f"{redirect_uri}?{urlencode(query)}")
        request.end_headers()

    def _token(self, request, params: dict) -> None:
        client_id, client_secret = _client_credentials(request, params)
        if client_id != self.client_id or client_secret != self.client_secret:
            return self._json(request, 401, {"error": "invalid_client"})
        if params.get("grant_type") != "authorization_code":
            return self._json(request, 400, {"error": "unsupported_grant_type"})
        with self._lock:
            grant = self._codes.pop(params.get("code", ""), None)  # each code works once
            mischief, self._mischief = self._mischief, []
        if grant is None or grant["redirect_uri"] != params.get("redirect_uri"):
            return self._json(request, 400, {"error": "invalid_grant"})
        if grant["challenge"] and not _pkce_ok(grant, params.get("code_verifier", "")):
            return self._json(request, 400, {"error": "invalid_grant", "error_description": "PKCE"})
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + TOKEN_LIFETIME,
            "auth_time": now,
            **grant["user"],
        }
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        if "wrong_issuer" in mischief:
            claims["iss"] = "https://impostor.example.com"
        if "wrong_audience" in mischief:
            claims["aud"] = "someone-else"
        if "another_audience_naming_us" in mischief:
            claims["aud"], claims["azp"] = ["someone-else"], self.client_id
        if "wrong_nonce" in mischief:
            claims["nonce"] = "not-the-nonce"
        if "no_nonce" in mischief:
            claims.pop("nonce", None)
        if "expired" in mischief:
            claims["iat"], claims["exp"] = now - 3600, now - 1800
        key = self.impostor_key if "bad_signature" in mischief else self.key
        answer = {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "id_token": jwt.encode({"alg": "RS256", "kid": "fake-1"}, claims, key),
        }
        if "no_id_token" in mischief:
            del answer["id_token"]
        return self._json(request, 200, answer)

    def _json(self, request, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        request.wfile.write(data)


def _single(parsed: dict) -> dict:
    return {k: v[0] for k, v in parsed.items()}


def _client_credentials(request, params: dict) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except ValueError:
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return unquote_plus(client_id), unquote_plus(secret)
    return params.get("client_id", ""), params.get("client_secret", "")


def _pkce_ok(grant: dict, verifier: str) -> bool:
    if grant["method"] != "S256" or not verifier:
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return secrets.compare_digest(expected, grant["challenge"])
