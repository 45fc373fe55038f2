"""The client's address: believed from X-Forwarded-For only as far as trusted proxies wrote
it, and read nowhere else.

Proves issue 13's "behind a load balancer REMOTE_ADDR is the proxy":
test_self_referral_limit_counts_each_client_behind_the_balancer_apart (fails on the old code),
and test_only_client_address_reads_the_address_headers keeps it from coming back.
"""

import ipaddress
import os
import re
from pathlib import Path

import pytest
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from core.client_address import client_address, parse_address, parse_forwarded_for
from referrals import self_referral

ROOT = Path(__file__).resolve().parents[2]
BALANCER = "10.0.0.5"


def request(remote="", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.fixture
def behind_balancer(settings):
    settings.LINKWORK_TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.LINKWORK_TRUSTED_PROXIES = []
    assert client_address(request(BALANCER, "203.0.113.9")) == BALANCER


def test_a_client_that_is_not_a_trusted_proxy_cannot_name_another(behind_balancer):
    assert client_address(request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_behind_the_balancer_the_client_is_the_hop_it_saw(behind_balancer):
    assert client_address(request(BALANCER, "203.0.113.9")) == "203.0.113.9"


def test_what_a_client_wrote_to_the_left_is_never_read(behind_balancer):
    # The client sent "X-Forwarded-For: 1.1.1.1"; the balancer appended what it saw.
    assert client_address(request(BALANCER, "1.1.1.1, 203.0.113.9")) == "203.0.113.9"


def test_several_trusted_proxies_are_skipped(behind_balancer):
    header = "1.1.1.1, 203.0.113.9, 10.1.1.1, 10.2.2.2"
    assert client_address(request(BALANCER, header)) == "203.0.113.9"


def test_garbage_behind_trusted_proxies_stops_at_the_last_trusted_hop(behind_balancer):
    assert client_address(request(BALANCER, "203.0.113.9, nonsense, 10.1.1.1")) == "10.1.1.1"
    assert client_address(request(BALANCER, "")) == BALANCER
    assert client_address(request(BALANCER)) == BALANCER


def test_ports_spaces_ipv6_and_mapped_addresses(behind_balancer):
    assert client_address(request(BALANCER, "  203.0.113.9:51234 ")) == "203.0.113.9"
    assert client_address(request(BALANCER, "[2001:db8::1]:443")) == "2001:db8::1"
    assert client_address(request(BALANCER, "2001:DB8:0::1")) == "2001:db8::1"
    assert client_address(request(BALANCER, "::ffff:203.0.113.9")) == "203.0.113.9"
    assert client_address(request("2001:db8:ffff::2", "203.0.113.9")) == "203.0.113.9"
    assert client_address(request("::ffff:10.0.0.5", "203.0.113.9")) == "203.0.113.9"


def test_no_usable_remote_address_is_unknown(behind_balancer):
    assert client_address(request("", "203.0.113.9")) == ""
    assert client_address(request("not-an-address", "203.0.113.9")) == ""


def test_a_bad_proxy_setting_fails_at_start(monkeypatch):
    from config.env import ImproperlyConfiguredEnv, get_networks

    monkeypatch.setenv("LINKWORK_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.0/33")
    with pytest.raises(ImproperlyConfiguredEnv, match="10.0.0.0/33"):
        get_networks("LINKWORK_TRUSTED_PROXIES")
    monkeypatch.setenv("LINKWORK_TRUSTED_PROXIES", " 10.0.0.0/8 ,192.0.2.1, 2001:db8::/32")
    assert get_networks("LINKWORK_TRUSTED_PROXIES") == ["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"]


addresses = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6))


def written(address, port, spaces):
    """One way a proxy might write an address in the header."""
    text = str(address)
    if port is not None:
        text = f"{text}:{port}" if address.version == 4 else f"[{text}]:{port}"
    return spaces[0] + text + spaces[1]


@given(
    address=addresses,
    port=st.none() | st.integers(0, 65535),
    spaces=st.tuples(st.sampled_from(["", " ", "  ", "\t"]), st.sampled_from(["", " ", "\t"])),
)
def test_every_written_form_of_an_address_parses_to_it(address, port, spaces):
    expected = address
    if address.version == 6 and address.ipv4_mapped:
        expected = address.ipv4_mapped
    assert parse_address(written(address, port, spaces)) == expected


@given(st.text())
def test_any_header_parses_without_error(header):
    for entry in parse_forwarded_for(header):
        assert entry is None or isinstance(entry, ipaddress.IPv4Address | ipaddress.IPv6Address)


@given(header=st.text(), remote=st.text())
def test_any_request_gives_an_address_or_nothing(header, remote):
    from django.test import override_settings

    with override_settings(LINKWORK_TRUSTED_PROXIES=["0.0.0.0/0", "::/0"]):
        found = client_address(request(remote, header))
    assert found == "" or ipaddress.ip_address(found)
    assert len(found) <= 45  # fits SignInAttempt.address


@given(
    client=addresses,
    spoofed=st.lists(addresses, max_size=3),
    proxies=st.lists(st.ip_addresses(network="10.0.0.0/8"), min_size=1, max_size=3),
)
def test_the_client_is_the_first_untrusted_hop_from_the_right(client, spoofed, proxies):
    from django.test import override_settings

    if client.version == 6 and client.ipv4_mapped:
        client = client.ipv4_mapped
    if client in ipaddress.ip_network("10.0.0.0/8"):
        return
    *inner, remote = proxies
    header = ", ".join(str(a) for a in [*spoofed, client, *inner])
    with override_settings(LINKWORK_TRUSTED_PROXIES=["10.0.0.0/8"]):
        assert client_address(request(str(remote), header)) == str(client)


def test_self_referral_limit_counts_each_client_behind_the_balancer_apart(behind_balancer):
    one = self_referral.address_hash(request(BALANCER, "203.0.113.9"))
    other = self_referral.address_hash(request(BALANCER, "198.51.100.7"))
    assert one != other
    assert one == self_referral.address_hash(request("10.9.9.9", "203.0.113.9"))


ADDRESS_HEADERS = re.compile(r"REMOTE_ADDR|X[-_]FORWARDED[-_]FOR", re.IGNORECASE)
ALLOWED = {Path("core/client_address.py")}
SKIPPED_DIRS = {".venv", "node_modules", "static_build", "staticfiles", ".git", "docs"}


def is_test_code(path: Path) -> bool:
    return "tests" in path.parts or path.name.startswith("test_") or path.name == "conftest.py"


def source_files():
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in SKIPPED_DIRS]
        for name in files:
            path = Path(folder, name)
            if path.suffix in {".py", ".jinja", ".html"}:
                yield path.relative_to(ROOT)


def test_only_client_address_reads_the_address_headers():
    offenders = []
    for relative in source_files():
        if relative in ALLOWED or is_test_code(relative):
            continue
        for number, line in enumerate((ROOT / relative).read_text(errors="replace").splitlines()):
            if ADDRESS_HEADERS.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{relative}:{number + 1}: {line.strip()}")
    assert not offenders, (
        "Use core.client_address.client_address(request) for the client's address:\n"
        + "\n".join(offenders)
    )


def test_the_lint_would_see_a_stray_read():
    assert ADDRESS_HEADERS.search('request.META.get("REMOTE_ADDR")')
    assert ADDRESS_HEADERS.search('request.headers["x-forwarded-for"]')
    assert ADDRESS_HEADERS.search('request.META["HTTP_X_FORWARDED_FOR"]')
    assert Path("referrals/self_referral.py") in set(source_files())
