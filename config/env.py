"""Reading settings from the environment, failing fast with a message that says what to fix."""

import ipaddress
import os
from pathlib import Path


class ImproperlyConfiguredEnv(Exception):
    pass


def load_dotenv(path: Path) -> None:
    """Load KEY=VALUE lines from a local .env file without overriding the real environment."""
    if not path.exists():
        return
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


def get_env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfiguredEnv(
            f"{name} must be set. Copy dotenv-sample to .env (make install does this) or export it."
        )
    return value


def get_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfiguredEnv(
        f"{name}={value!r} is not a boolean: use 1/0, true/false, yes/no."
    )


def get_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name}={value!r} is not a whole number.") from None


def get_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def get_networks(name: str, default: str = "") -> list[str]:
    """A comma-separated list of IP addresses or networks (CIDR), each checked."""
    entries = get_list(name, default)
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfiguredEnv(
                f"{name}: {entry!r} is not an IP address or network (e.g. 10.0.0.0/8)."
            ) from None
    return entries


# Keys that are published (the sample file's, and its old value): anyone holding one can
# forge sessions and password-reset links. Django's throwaway `startproject` keys are refused
# by their prefix.
KNOWN_SECRET_KEYS = {"change-me"}
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_DISTINCT_CHARACTERS = 10
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def secret_key_problem(key: str, *, sample_file: Path | None = None) -> str | None:
    """Why this secret key must not be used outside DEBUG, or None if it will do."""
    known = set(KNOWN_SECRET_KEYS)
    if sample_file and sample_file.exists():
        for line in sample_file.read_text().splitlines():
            name, _, value = line.partition("=")
            if name.strip() == "DJANGO_SECRET_KEY":
                known.add(value.strip().strip("'\""))
    if key in known:
        return "is a published sample value"
    if key.startswith("django-insecure-"):
        return "is one of Django's throwaway development keys (django-insecure-…)"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if len(set(key)) < MIN_SECRET_KEY_DISTINCT_CHARACTERS:
        return "uses too few different characters to be random"
    return None


def check_secret_key(key: str, *, debug: bool, sample_file: Path | None = None) -> None:
    """Refuse to start outside DEBUG with a key an attacker could know or guess."""
    if debug:
        return
    problem = secret_key_problem(key, sample_file=sample_file)
    if problem:
        raise ImproperlyConfiguredEnv(
            f"DJANGO_SECRET_KEY {problem}, so linkwork will not start without DJANGO_DEBUG=1. "
            f"Make a new one with:  {MAKE_A_KEY}  and set DJANGO_SECRET_KEY to it "
            "(in the environment, or in .env)."
        )
