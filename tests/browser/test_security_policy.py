import pytest

from tests.browser.conftest import enter_second_factor
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_pages_run_under_content_security_policy(strict_page, link_worker, active_referral):
    page, problems = strict_page
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(link_worker.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_second_factor(page, link_worker)
    page.goto(f"/cases/{active_referral.pk}/discharge/")
    page.wait_for_load_state("load")
    # The NHS.UK JavaScript ran: it marks the body once the frontend is supported.
    assert "nhsuk-frontend-supported" in page.locator("body").get_attribute("class")
    assert page.evaluate("typeof htmx") == "object"
    assert problems == []
