"""Single sign-on with OpenID Connect, one identity provider per area (ADR 0009).

An area's service administrator points linkwork at its identity provider (NHS CIS2
Authentication, or NHSmail through Microsoft Entra ID); staff then sign in there instead of
with a password. Authlib does the protocol: discovery, PKCE, state, nonce and the id_token's
signature (checked against the provider's published keys), issuer, audience and expiry.
What is ours: which provider an area uses (`models.SingleSignOnProvider`), who a signed-in
person is here (`models.SingleSignOnIdentity`, `actions.sign_in_with_single_sign_on`: no
self-provisioning), and whether the provider's own second factor counts as ours.

What NHS CIS2 asks beyond that (ADR 0010, docs/single-sign-on.md): private_key_jwt client
authentication with the area's key from the environment (`keys.py`; our public keys at
`views.jwks`), back-channel logout (`client.check_logout_token`,
`actions.end_sessions_by_back_channel`) and national RBAC roles (`rbac.py`).

`fake_provider.FakeIdentityProvider` is a small real OpenID provider on 127.0.0.1 that
tests and the demo use; the real client library talks to it over HTTP.
"""
