"""A fake GOV.UK Notify: a real HTTP server on 127.0.0.1 that the real client library talks
to, so the requests linkwork makes are the requests Notify would get. The demo runs it with
`python manage.py fake_notify`; tests start it on a free port.

It checks what Notify checks (the JWT signed with the key's secret, the template, every
placeholder filled, a UK mobile number or an email address) and answers in Notify's shapes.
It acts out Notify's test recipients (GOV.UK Notify "testing" guidance):
  07700 900002 / perm-fail@simulator.notify  → permanent-failure (wrong number or address)
  07700 900003 / temp-fail@simulator.notify  → temporary-failure (phone off, inbox full)
and anything else is delivered. Tests can also make it answer 429/500/503 for a while.
"""

import json
import re
import threading
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import jwt

from core.fake_http import FakeHTTPServer, read_body, send_json

PERMANENT_FAILURE = {"07700900002", "perm-fail@simulator.notify"}
TEMPORARY_FAILURE = {"07700900003", "temp-fail@simulator.notify"}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PLACEHOLDER = re.compile(r"\(\(([a-z0-9_]+)\)\)")
# The demo's key: "name-<service id>-<secret>", as Notify issues them.
DEMO_SERVICE_ID = "5f1c0e7a-2b0b-4c34-9d1e-6a5a0c6f1e01"
DEMO_SECRET = "c0ffee00-1d2e-4f3a-8b9c-0d1e2f3a4b5c"
DEMO_API_KEY = f"linkwork_demo-{DEMO_SERVICE_ID}-{DEMO_SECRET}"


def uk_mobile(number: str) -> str | None:
    """Notify's rule: a UK mobile, written any common way; None if not one."""
    digits = re.sub(r"[\s\-().]", "", number or "")
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    return digits if re.fullmatch(r"07\d{9}", digits) else None


class FakeNotify(FakeHTTPServer):
    def __init__(self, *, templates: dict, api_key: str = DEMO_API_KEY, port: int = 0):
        """`templates`: Notify template id (str) → {"type", "subject", "body"}."""
        self.templates = templates
        self.service_id = api_key[-73:-37]
        self.secret = api_key[-36:]
        self.notifications: dict[str, dict] = {}
        self.requests: list[dict] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()
        super().__init__(port=port)

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next `count` requests with this HTTP error (429, 500, 503…)."""
        with self._lock:
            self._failures += [status] * count

    def sent_to(self, recipient: str) -> list[dict]:
        return [n for n in self.notifications.values() if n["recipient"] == recipient]

    # The HTTP side (core/fake_http.py runs the server)

    def _serve(self, request, method: str) -> None:
        raw = read_body(request)
        self.requests.append({"method": method, "path": request.path, "body": raw.decode()})
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure:
            kinds = {429: "RateLimitError", 500: "Exception", 503: "Exception"}
            return self._reply(
                request, failure, _errors(kinds.get(failure, "Exception"), "Fake outage")
            )
        problem = self._check_token(request.headers.get("Authorization", ""))
        if problem:
            return self._reply(request, 403, _errors("AuthError", problem))
        url = urlsplit(request.path)
        if method == "GET" and url.path == "/v2/notifications":
            return self._list(request, parse_qs(url.query))
        if method == "GET" and request.path.startswith("/v2/notifications/"):
            return self._get(request, request.path.rsplit("/", 1)[-1])
        if method == "POST" and request.path in (
            "/v2/notifications/sms",
            "/v2/notifications/email",
        ):
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self._reply(request, 400, _errors("BadRequestError", "Invalid JSON"))
            return self._send(request, request.path.rsplit("/", 1)[-1], body)
        return self._reply(request, 404, _errors("NotFound", "Not found"))

    def _check_token(self, header: str) -> str:
        if not header.startswith("Bearer "):
            return "Unauthorized: authentication token must be provided"
        try:
            claims = jwt.decode(header[7:], self.secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return "Invalid token: signature, api token not found"
        if claims.get("iss") != self.service_id:
            return "Invalid token: service not found"
        if abs(datetime.now(UTC).timestamp() - claims.get("iat", 0)) > 30:
            return "Error: Your system clock must be accurate to within 30 seconds"
        return ""

    def _send(self, request, kind: str, body: dict) -> None:
        template = self.templates.get(str(body.get("template_id")))
        if template is None or template["type"] != kind:
            return self._reply(request, 400, _errors("BadRequestError", "Template not found"))
        personalisation = body.get("personalisation") or {}
        missing = sorted(
            set(PLACEHOLDER.findall(template["subject"] + template["body"])) - set(personalisation)
        )
        if missing:
            return self._reply(
                request,
                400,
                _errors("BadRequestError", f"Missing personalisation: {', '.join(missing)}"),
            )
        if kind == "sms":
            recipient = uk_mobile(body.get("phone_number", ""))
            if recipient is None:
                return self._reply(
                    request, 400, _errors("ValidationError", "phone_number Not a UK mobile number")
                )
        else:
            recipient = (body.get("email_address") or "").strip().lower()
            if not EMAIL_RE.match(recipient):
                return self._reply(
                    request,
                    400,
                    _errors("ValidationError", "email_address Not a valid email address"),
                )

        def fill(text):
            return PLACEHOLDER.sub(lambda m: str(personalisation[m.group(1)]), text)

        notification_id = str(uuid.uuid4())
        now = datetime.now(UTC).isoformat()
        self.notifications[notification_id] = {
            "id": notification_id,
            "type": kind,
            "recipient": recipient,
            "reference": body.get("reference"),
            "template_id": str(body["template_id"]),
            "subject": fill(template["subject"]),
            "body": fill(template["body"]),
            "personalisation": personalisation,
            "created_at": now,
            "status": "created",
        }
        content = {"body": fill(template["body"])}
        if kind == "email":
            content |= {"subject": fill(template["subject"]), "from_email": "linkwork@notify.test"}
        else:
            content |= {"from_number": "linkwork"}
        self._reply(
            request,
            201,
            {
                "id": notification_id,
                "reference": body.get("reference"),
                "content": content,
                "uri": f"{self.base_url}/v2/notifications/{notification_id}",
                "template": {
                    "id": str(body["template_id"]),
                    "version": 1,
                    "uri": f"{self.base_url}/v2/template/{body['template_id']}",
                },
            },
        )

    def _get(self, request, notification_id: str) -> None:
        notification = self.notifications.get(notification_id)
        if notification is None:
            return self._reply(request, 404, _errors("NoResultFound", "No result found"))
        # The first look after sending finds it delivered, or failed for test recipients.
        if notification["status"] == "created":
            notification["status"] = (
                "permanent-failure"
                if notification["recipient"] in PERMANENT_FAILURE
                else "temporary-failure"
                if notification["recipient"] in TEMPORARY_FAILURE
                else "delivered"
            )
            notification["completed_at"] = datetime.now(UTC).isoformat()
        self._reply(request, 200, self._shape(notification))

    def _list(self, request, query: dict) -> None:
        """GET /v2/notifications?reference=…: Notify's list, filtered as Notify filters it
        (newest first). Looking does not move a notification on, unlike `_get`."""
        reference = (query.get("reference") or [None])[0]
        status = (query.get("status") or [None])[0]
        found = [
            self._shape(n)
            for n in self.notifications.values()
            if (reference is None or n["reference"] == reference)
            and (status is None or n["status"] == status)
        ]
        found.sort(key=lambda n: n["created_at"], reverse=True)
        self._reply(
            request,
            200,
            {"notifications": found, "links": {"current": f"{self.base_url}/v2/notifications"}},
        )

    def _shape(self, notification: dict) -> dict:
        field = "phone_number" if notification["type"] == "sms" else "email_address"
        return {
            "id": notification["id"],
            "reference": notification["reference"],
            field: notification["recipient"],
            "type": notification["type"],
            "status": notification["status"],
            "template": {"id": notification["template_id"], "version": 1},
            "body": notification["body"],
            "subject": notification["subject"] or None,
            "created_at": notification["created_at"],
            "completed_at": notification.get("completed_at"),
        }

    def _reply(self, request, status: int, payload: dict) -> None:
        if "errors" in payload:
            payload["status_code"] = status
        send_json(request, status, payload)


def _errors(error: str, message: str) -> dict:
    return {"errors": [{"error": error, "message": message}], "status_code": 0}


def templates_from_database() -> dict:
    from notifications.models import MessageTemplate

    return {
        str(t.notify_template_id): {"type": t.channel, "subject": t.subject, "body": t.body}
        for t in MessageTemplate.objects.all()
    }
