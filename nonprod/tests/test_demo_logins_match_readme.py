"""README's table of demo logins says what `load_demo` prints: each login's role and
organisation (the providers especially: which one keeps which town's groups)."""

import re
from pathlib import Path

import pytest

from nonprod import demo

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
EMAIL = re.compile(r"[\w.+-]+@" + re.escape(demo.EMAIL_DOMAIN))


def readme_rows() -> list[str]:
    text = README.read_text()
    table = text[text.index("Demo logins") :].split("\n\n")[1]
    return [line for line in table.splitlines() if EMAIL.search(line)]


def test_every_readme_login_is_one_load_demo_prints_with_its_role_and_organisation():
    demo.load(people=5, activities=40, history=10, progress=lambda message: None)
    printed = {login.email: login for login in demo.logins()}
    named = set()
    for row in readme_rows():
        for email in EMAIL.findall(row):
            named.add(email)
            assert email in printed, f"README names {email}, which the demo does not create"
            login = printed[email]
            assert login.role.lower() in row.lower(), f"{email} is a {login.role}: {row}"
            if login.role != "Referrer":  # each GP has a practice of their own
                assert login.organisation in row, f"{email} is at {login.organisation}: {row}"
    # Every kind of login the demo makes is in the README.
    assert {login.role for login in printed.values()} == {printed[e].role for e in named}
    # Providers: every one is listed, each beside their own organisation.
    providers = {e for e, login in printed.items() if login.role == "Community provider"}
    assert providers <= named
