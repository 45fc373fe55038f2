"""linkwork's own signing key for an area's provider, for private_key_jwt client
authentication (RFC 7523; OpenID Connect Core 9), and the public key set we publish.

The private key is an RSA key of at least 2048 bits in PEM, read from the environment, never
the database: `LINKWORK_OIDC_PRIVATE_KEY_<AREA CODE>` holds the PEM itself (a `\\n` written
for each line break is accepted, as some secret stores need), or
`LINKWORK_OIDC_PRIVATE_KEY_FILE_<AREA CODE>` the path of a file holding it. The names come
from the area's code, never from what an administrator types (as the client secret's).

The key's id (`kid`) is its RFC 7638 thumbprint, so the same key always has the same id and
a new key a new one; the provider picks the key from our JWKS by it. Each area has its own
key and its own JWKS URL, so a provider registration trusts only that area's key.
"""

import os

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

from accounts.oidc.models import private_key_env_name, private_key_file_env_name

ALGORITHM = "RS256"
MIN_BITS = 2048


class KeyProblem(Exception):
    """The key is configured but cannot be used; the message says why, for the operator."""


def signing_key(area_code: str) -> RSAKey | None:
    """The area's private key, or None if none is configured."""
    pem = _configured_pem(area_code)
    if pem is None:
        return None
    try:
        private = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise KeyProblem("The private key is not an unencrypted RSA private key in PEM") from error
    if not isinstance(private, rsa.RSAPrivateKey):
        raise KeyProblem("The private key is not an RSA key")
    if private.key_size < MIN_BITS:
        raise KeyProblem(f"The private key is shorter than {MIN_BITS} bits")
    key = RSAKey.import_key(private)
    return RSAKey.import_key(
        private, parameters={"kid": key.thumbprint(), "use": "sig", "alg": ALGORITHM}
    )


def public_key_set(area_code: str) -> dict:
    """The JWKS to publish: the public half of the area's key (none if there is no key)."""
    key = signing_key(area_code)
    return {"keys": [key.as_dict(private=False)] if key else []}


def _configured_pem(area_code: str) -> str | None:
    inline = os.environ.get(private_key_env_name(area_code), "").strip()
    path = os.environ.get(private_key_file_env_name(area_code), "").strip()
    if inline and path:
        raise KeyProblem(
            f"Both {private_key_env_name(area_code)} and {private_key_file_env_name(area_code)} "
            "are set: set one"
        )
    if path:
        try:
            with open(path, encoding="ascii") as file:
                return file.read()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "not a PEM text file"
            raise KeyProblem(f"The private key file cannot be read ({reason})") from error
    if inline:
        return inline.replace("\\n", "\n")
    return None
