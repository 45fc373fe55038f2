"""GOV.UK Notify, behind one small adapter over `notifications-python-client`.

Everything else in linkwork talks to `notify()`, never to the library: errors come back as
two kinds, one worth retrying (Notify down, rate limited, a time-out) and one that will
never succeed (a number Notify says is not a UK mobile, a bad template), so the callers
decide retries without knowing HTTP.
"""

from dataclasses import dataclass

from django.conf import settings
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient


class NotifyError(Exception):
    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class TemporaryError(NotifyError):
    """Try again later: Notify is down, slow or rate limiting us."""


class PermanentError(NotifyError):
    """Trying again will not help: Notify refused the request as it is."""

    @property
    def bad_recipient(self) -> bool:
        text = self.message.lower()
        return any(
            words in text
            for words in ("phone_number", "email_address", "not a uk mobile", "not a valid")
        )


@dataclass(frozen=True)
class Sent:
    notify_id: str


@dataclass(frozen=True)
class Found:
    """A notification Notify already has for one of our references."""

    notify_id: str
    status: str
    created_at: str  # Notify's ISO 8601 time, as it gave it


class NotifyClient:
    def __init__(self, api_key: str, base_url: str, timeout: float):
        if not api_key:
            raise PermanentError(
                "NOTIFY_API_KEY is not set: texts and emails cannot be sent. Set it (or run the "
                "demo's fake Notify) and they will go on the next try."
            )
        try:
            self._client = NotificationsAPIClient(api_key, base_url=base_url, timeout=timeout)
        except AssertionError as error:
            raise PermanentError(f"NOTIFY_API_KEY is not a Notify API key: {error}") from None

    def send_sms(self, *, to: str, template_id: str, personalisation: dict, reference: str):
        return self._call(
            self._client.send_sms_notification,
            phone_number=to,
            template_id=template_id,
            personalisation=personalisation,
            reference=reference,
        )

    def send_email(self, *, to: str, template_id: str, personalisation: dict, reference: str):
        return self._call(
            self._client.send_email_notification,
            email_address=to,
            template_id=template_id,
            personalisation=personalisation,
            reference=reference,
        )

    def status(self, notify_id: str) -> str:
        """Notify's status word: created, sending, pending, sent, delivered,
        permanent-failure, temporary-failure or technical-failure."""
        try:
            return self._client.get_notification_by_id(notify_id)["status"]
        except APIError as error:
            raise _translate(error) from None

    def find_by_reference(self, reference: str) -> Found | None:
        """The notification Notify made for our `reference`, or None if it has none: so a
        message whose outcome we lost is not sent twice. One Notify gave up on itself
        (technical-failure) never went, so it does not count; of the rest, the newest."""
        try:
            found = self._client.get_all_notifications(reference=reference)
        except APIError as error:
            raise _translate(error) from None
        except (KeyError, TypeError, ValueError) as error:  # not Notify's shape
            raise TemporaryError(f"Notify's answer was not understood: {error}") from None
        candidates = [
            n
            for n in found.get("notifications") or []
            if n.get("reference") == reference and n.get("status") != "technical-failure"
        ]
        if not candidates:
            return None
        newest = max(candidates, key=lambda n: n.get("created_at") or "")
        return Found(
            notify_id=newest["id"],
            status=newest.get("status") or "",
            created_at=newest.get("created_at") or "",
        )

    def _call(self, method, **kwargs) -> Sent:
        try:
            response = method(**kwargs)
        except APIError as error:
            raise _translate(error) from None
        return Sent(notify_id=response["id"])


def _translate(error: APIError) -> NotifyError:
    message = error.message
    if isinstance(message, list):
        message = "; ".join(str(e.get("message", e)) for e in message)
    message = str(message)[:400]
    code = error.status_code
    # 400: a request that can never succeed (bad number, missing personalisation).
    # 403 is a bad key or a key for the wrong service: it needs a person, but once fixed
    # the same message should go, so it is retried rather than dropped.
    if code == 400:
        return PermanentError(message, status_code=code)
    return TemporaryError(message or "Notify did not answer", status_code=code)


def notify() -> NotifyClient:
    return NotifyClient(
        settings.NOTIFY_API_KEY, settings.NOTIFY_BASE_URL, settings.NOTIFY_TIMEOUT_SECONDS
    )
