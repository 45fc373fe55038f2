"""A fake OpenID provider: a real HTTP server on 127.0.0.1 (core/fake_http.py) that Authlib,
the real client library, talks to in tests and in the demo, so that linkwork's requests are
the requests CIS2 or Entra ID would get, and the tokens it checks are real signed JWTs.

It serves discovery, a JWKS with an RSA key it generates, an authorize endpoint that
approves one configured person at once (no page: whoever the test says is signing in), a
token endpoint and a userinfo endpoint. The token endpoint authenticates the client as the
registration says: by its secret (Basic or in the body), or, once `use_private_key_jwt` has
registered the client's public keys (a JWKS, or the URL linkwork publishes it at), only by a
client assertion (RFC 7523): signed by one of those keys, iss and sub the client ID, aud
the token endpoint, not expired nor good for more than minutes, and a jti never used before.
Then it checks the redirect URI and the PKCE verifier and issues an RS256 id_token with the
nonce it was given and a session id (`sid`).

Like CIS2, it answers national RBAC roles (`nhsid_nrbac_roles`, and the other claims in
`USERINFO_ONLY`) from userinfo only, and only when `nationalrbacaccess` was asked for.

It sends back-channel logouts (OpenID Connect Back-Channel Logout 1.0): `logout_token(...)`
makes a signed logout token, `send_back_channel_logout(...)` posts one to the registered
back-channel logout URI, and `POST /fake/logout` (sub=…, sid=…, or neither for the last
sign-in) does so for the demo (`manage.py fake_oidc_provider`).

Tests make it misbehave on demand: `issue_next` for the next id_token (from the wrong
issuer or for the wrong audience, with the wrong or no nonce, signed by a key it does not
publish, already expired, or a userinfo answer about someone else), and `mischief=` for a
logout token. Times come from `time.time()`, which time-machine moves for both sides.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from core.fake_http import FakeHTTPServer, read_body, send_json

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
    "userinfo_other_subject",  # userinfo about someone other than the id_token's subject
}
# What `logout_token(mischief=...)` accepts.
LOGOUT_MISCHIEF = {
    "wrong_issuer",
    "wrong_audience",
    "bad_signature",
    "unsigned",  # alg "none"
    "wrong_type",  # typ says it is some other kind of JWT
    "no_events",
    "wrong_event",
    "with_nonce",  # an id_token passed off as a logout token
    "no_jti",
    "no_iat",
    "stale",  # issued long ago
    "future",  # issued in the future
    "expired",
}
TOKEN_LIFETIME = 300
LOGOUT_TOKEN_LIFETIME = 120
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# The longest a client assertion may be good for, and the clock difference allowed.
MAX_ASSERTION_LIFETIME = 300
LEEWAY = 30
BACK_CHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
RBAC_SCOPE = "nationalrbacaccess"
USERINFO_ONLY = {"nhsid_nrbac_roles", "nhsid_useruid", "selected_roleid"}


class FakeIdentityProvider(FakeHTTPServer):
    def __init__(
        self,
        *,
        client_id: str = "linkwork-test",
        client_secret: str = "fake-secret",
        port: int = 0,
        issuer_path: str = "",
        back_channel_logout_uri: str = "",
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "fake-1", "use": "sig"})
        # Signs the "bad_signature" tokens under the published key's id.
        self.impostor_key = RSAKey.generate_key(2048, parameters={"kid": "fake-1", "use": "sig"})
        # The person the authorize endpoint signs in: sub, email, amr, name…
        self.user: dict = {"sub": "fake-subject-1", "email": "person@example.nhs.uk"}
        self.requests: list[dict] = []
        # Each sign-in's session at the provider: {"sub", "sid"}, oldest first.
        self.sessions: list[dict] = []
        # How the client authenticated at each token request, and why it failed when it did
        # (for tests to read).
        self.client_auth_methods: list[str] = []
        self.client_auth_refusals: list[str] = []
        self.back_channel_logout_uri = back_channel_logout_uri
        self.client_jwks: dict | None = None
        self.client_jwks_uri = ""
        self._codes: dict[str, dict] = {}
        self._access_tokens: dict[str, dict] = {}
        self._assertion_ids: set[str] = set()
        self._mischief: list[str] = []
        self._lock = threading.Lock()
        self.issuer_path = issuer_path
        super().__init__(port=port)

    @property
    def issuer(self) -> str:
        return self.base_url + self.issuer_path

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/token"

    def sign_in_as(self, **claims) -> None:
        """Who the next authorisation signs in (their claims in the id_token, except those in
        USERINFO_ONLY, which userinfo answers)."""
        self.user = dict(claims)

    def issue_next(self, *mischief: str) -> None:
        """Make the next token issued bad in these ways (see MISCHIEF)."""
        unknown = set(mischief) - MISCHIEF
        if unknown:
            raise ValueError(f"Unknown mischief: {sorted(unknown)}")
        with self._lock:
            self._mischief = list(mischief)

    def use_private_key_jwt(self, *, jwks: dict | None = None, jwks_uri: str = "") -> None:
        """Register the client for private_key_jwt with its public keys (a JWKS, or the URL
        it publishes one at, read at each token request). Its secret no longer works."""
        if not jwks and not jwks_uri:
            raise ValueError("Give the client's JWKS or its URL")
        self.client_jwks, self.client_jwks_uri = jwks, jwks_uri

    def metadata(self) -> dict:
        iss = self.issuer
        auth_methods = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
        return {
            "issuer": iss,
            "authorization_endpoint": f"{iss}/authorize",
            "token_endpoint": self.token_endpoint,
            "userinfo_endpoint": f"{iss}/userinfo",
            "jwks_uri": f"{iss}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", RBAC_SCOPE],
            "token_endpoint_auth_methods_supported": auth_methods,
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS512"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "name", "amr", "acr", "sid", *USERINFO_ONLY],
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
        }

    # Back-channel logout

    def logout_token(self, *, sub=None, sid=None, mischief=(), **claims) -> str:
        """A logout token naming `sub` and/or `sid`, bad in the ways `mischief` names
        (LOGOUT_MISCHIEF); `claims` are set as given, last."""
        unknown = set(mischief) - LOGOUT_MISCHIEF
        if unknown:
            raise ValueError(f"Unknown mischief: {sorted(unknown)}")
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + LOGOUT_TOKEN_LIFETIME,
            "jti": secrets.token_urlsafe(16),
            "events": {BACK_CHANNEL_EVENT: {}},
        }
        if sub is not None:
            payload["sub"] = sub
        if sid is not None:
            payload["sid"] = sid
        header = {"alg": "RS256", "kid": "fake-1", "typ": "logout+jwt"}
        changes = {
            "wrong_issuer": {"iss": "https://impostor.example.com"},
            "wrong_audience": {"aud": "someone-else"},
            "wrong_event": {"events": {"http://schemas.openid.net/event/other": {}}},
            "with_nonce": {"nonce": "n-0S6_WzA2Mj"},
            "stale": {"iat": now - 3600, "exp": now + 60},
            "future": {"iat": now + 3600, "exp": now + 3700},
            "expired": {"iat": now - 300, "exp": now - 200},
        }
        for name in mischief:
            payload.update(changes.get(name, {}))
        for name, claim in (("no_events", "events"), ("no_jti", "jti"), ("no_iat", "iat")):
            if name in mischief:
                payload.pop(claim, None)
        if "wrong_type" in mischief:
            header["typ"] = "at+jwt"
        payload.update(claims)
        if "unsigned" in mischief:
            return _unsigned(payload)
        key = self.impostor_key if "bad_signature" in mischief else self.key
        return jwt.encode(header, payload, key)

    def send_back_channel_logout(
        self, *, sub=None, sid=None, mischief=(), uri: str = ""
    ) -> tuple[int, str]:
        """Post a logout token to the client's back-channel logout URI, as a provider does
        when someone signs out there. Returns the client's HTTP status and body."""
        target = uri or self.back_channel_logout_uri
        if not target:
            raise ValueError("No back-channel logout URI registered")
        data = urlencode(
            {"logout_token": self.logout_token(sub=sub, sid=sid, mischief=mischief)}
        ).encode()
        request = urllib.request.Request(
            target, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    # The HTTP side (core/fake_http.py runs the server)

    def _serve(self, request, method: str) -> None:
        parts = urlsplit(request.path)
        path = parts.path[len(self.issuer_path) :] if self.issuer_path else parts.path
        body = read_body(request).decode()
        self.requests.append({"method": method, "path": path, "query": parts.query})
        if method == "GET" and path == "/.well-known/openid-configuration":
            return self._json(request, 200, self.metadata())
        if method == "GET" and path == "/jwks":
            return self._json(request, 200, KeySet([self.key]).as_dict(private=False))
        if method == "GET" and path == "/authorize":
            return self._authorize(request, _single(parse_qs(parts.query)))
        if method == "POST" and path == "/token":
            return self._token(request, _single(parse_qs(body)))
        if path == "/userinfo":
            return self._userinfo(request)
        if method == "POST" and path == "/fake/logout":
            return self._send_logout(request, _single(parse_qs(body)))
        return self._json(request, 404, {"error": "not_found"})

    def _authorize(self, request, params: dict) -> None:
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id or not redirect_uri:
            return self._json(request, 400, {"error": "invalid_request"})
        if params.get("response_type") != "code" or "openid" not in params.get("scope", ""):
            return self._redirect(request, redirect_uri, error="invalid_request", state=params)
        code = secrets.token_urlsafe(16)
        user = dict(self.user)
        sid = user.pop("sid", None) or secrets.token_urlsafe(12)
        with self._lock:
            self._codes[code] = {
                "redirect_uri": redirect_uri,
                "nonce": params.get("nonce"),
                "challenge": params.get("code_challenge"),
                "method": params.get("code_challenge_method"),
                "scope": params.get("scope", "").split(),
                "user": user,
                "sid": sid,
            }
            self.sessions.append({"sub": user.get("sub"), "sid": sid})
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
        refusal = self._client_refusal(request, params)
        if refusal:
            with self._lock:
                self.client_auth_refusals.append(refusal)
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
            "sid": grant["sid"],
            **{k: v for k, v in grant["user"].items() if k not in USERINFO_ONLY},
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
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._access_tokens[access_token] = {
                "user": grant["user"],
                "scope": grant["scope"],
                "other_subject": "userinfo_other_subject" in mischief,
            }
        answer = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "id_token": jwt.encode({"alg": "RS256", "kid": "fake-1"}, claims, key),
        }
        if "no_id_token" in mischief:
            del answer["id_token"]
        return self._json(request, 200, answer)

    def _userinfo(self, request) -> None:
        header = request.headers.get("Authorization", "")
        grant = self._access_tokens.get(header[7:]) if header.startswith("Bearer ") else None
        if grant is None:
            data = b'{"error": "invalid_token"}'
            request.send_response(401)
            request.send_header("WWW-Authenticate", 'Bearer error="invalid_token"')
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
            return None
        user = grant["user"]
        info = {k: v for k, v in user.items() if k not in USERINFO_ONLY}
        if RBAC_SCOPE in grant["scope"]:
            info |= {k: v for k, v in user.items() if k in USERINFO_ONLY}
        if grant["other_subject"]:
            info["sub"] = "someone-else"
        return self._json(request, 200, info)

    def _send_logout(self, request, params: dict) -> None:
        """The demo's trigger: sign someone out here, telling linkwork by back channel."""
        sub, sid = params.get("sub"), params.get("sid")
        if not sub and not sid:
            if not self.sessions:
                return self._json(request, 400, {"error": "nobody has signed in"})
            sub, sid = self.sessions[-1]["sub"], self.sessions[-1]["sid"]
        try:
            status, body = self.send_back_channel_logout(sub=sub, sid=sid)
        except (ValueError, OSError) as error:
            return self._json(request, 502, {"error": str(error)})
        return self._json(request, 200, {"sub": sub, "sid": sid, "status": status, "body": body})

    # Client authentication

    def _client_refusal(self, request, params: dict) -> str:
        """Why the client failed to authenticate, or "" if it did not."""
        header = request.headers.get("Authorization", "")
        method = (
            "private_key_jwt"
            if "client_assertion" in params
            else "client_secret_basic"
            if header.startswith("Basic ")
            else "client_secret_post"
        )
        with self._lock:
            self.client_auth_methods.append(method)
        if self.client_jwks is not None or self.client_jwks_uri:
            if "client_assertion" not in params:
                return "assertion_required"  # a secret does not do once keys are registered
            return self._assertion_refusal(params)
        client_id, client_secret = _client_credentials(request, params)
        if client_id != self.client_id or client_secret != self.client_secret:
            return "wrong_secret"
        return ""

    def _assertion_refusal(self, params: dict) -> str:
        if params.get("client_assertion_type") != ASSERTION_TYPE:
            return "assertion_type"
        if params.get("client_id", self.client_id) != self.client_id:
            return "client_id"
        try:
            keys = KeySet.import_key_set(self._client_key_set())
        except (OSError, ValueError, TypeError, KeyError, JoseError):
            return "client_jwks_unreadable"
        try:
            token = jwt.decode(
                params["client_assertion"],
                keys,
                algorithms=["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
            )
        except (JoseError, ValueError, TypeError, KeyError):
            return "signature"
        claims = token.claims
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            return "issuer"
        audience = claims.get("aud")
        if self.token_endpoint not in (audience if isinstance(audience, list) else [audience]):
            return "audience"
        now = int(time.time())
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp + LEEWAY < now:
            return "expired"
        if exp > now + MAX_ASSERTION_LIFETIME + LEEWAY:
            return "lifetime"
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            return "no_jti"
        with self._lock:
            if jti in self._assertion_ids:
                return "replayed"
            self._assertion_ids.add(jti)
        return ""

    def _client_key_set(self) -> dict:
        if self.client_jwks is not None:
            return self.client_jwks
        with urllib.request.urlopen(self.client_jwks_uri, timeout=10) as answer:
            return json.loads(answer.read())

    def _json(self, request, status: int, payload: dict) -> None:
        send_json(request, status, payload, headers={"Cache-Control": "no-store"})


def _single(parsed: dict) -> dict:
    return {k: v[0] for k, v in parsed.items()}


def _unsigned(payload: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'logout+jwt'})}.{part(payload)}."


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
