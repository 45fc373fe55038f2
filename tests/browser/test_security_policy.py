import pytest

from tests.browser.sign_in import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_pages_run_under_content_security_policy(strict_page, link_worker, active_referral):
    page, problems = strict_page
    sign_in(page, link_worker)
    page.goto(f"/cases/{active_referral.pk}/discharge/")
    page.wait_for_load_state("load")
    # The NHS.UK JavaScript ran: it marks the body once the frontend is supported.
    assert "nhsuk-frontend-supported" in page.locator("body").get_attribute("class")
    assert page.evaluate("typeof htmx") == "object"
    assert problems == []
