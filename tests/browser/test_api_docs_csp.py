"""The interactive API docs run under the same Content-Security-Policy as every other page."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize(
    ("path", "title"),
    [("/api/v1/docs", "linkwork API"), ("/api/openreferral/docs", "Open Referral")],
)
def test_api_docs_render_under_the_strict_policy(strict_page, path, title):
    page, problems = strict_page
    response = page.goto(path)
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    # Swagger UI ran: it fetched the OpenAPI document and drew the API's title and operations.
    page.locator(".swagger-ui .info .title").wait_for()
    assert title.lower() in page.locator(".swagger-ui .info .title").inner_text().lower()
    page.locator(".swagger-ui .opblock").first.wait_for()
    # A blocked script, style or eval is reported as a console error.
    assert problems == []
