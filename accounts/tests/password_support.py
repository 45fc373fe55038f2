"""Shared by the password and re-authentication tests."""

import re
from html import unescape

from notifications.models import Message


def sign_in(client, user):
    """A signed-in session, as the sign-in page leaves it (django's login() runs)."""
    client.force_login(user)
    return client


def page_text(response) -> str:
    """The page without what differs on every response (CSRF token, CSP nonce)."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    return re.sub(r'nonce="[^"]*"', "", text)


def reset_emails(user):
    return Message.objects.filter(to_user=user, template__code="password_reset")


def link_in(message) -> str:
    """The path of the reset link in an email's body."""
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+)", unescape(message.body))
    assert match, message.body
    return match.group(1)
