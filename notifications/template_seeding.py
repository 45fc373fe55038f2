"""Loading Notify templates from data migrations (notifications 0002, 0004–0007, outcomes 0002).

Each migration lists its templates and calls `seed_templates(apps, TEMPLATES)` from its
RunPython function. A template is `(code, channel, subject, body, description)`; `email()`
and `sms()` build one. The ids are placeholders that the fake Notify knows (derived from
code and channel, so the same on every database); in production, create each template in
GOV.UK Notify with the same words and set its real id (`MessageTemplate.notify_template_id`).

Migrations that have run depend on this module as it is: it reaches models only through the
migration's `apps` (the historical models, never `notifications.models`), and a change to
what it writes changes every database migrated from empty afterwards.
"""

import uuid

EMAIL, SMS = "email", "sms"


def email(code: str, subject: str, body: str, description: str) -> tuple:
    return (code, EMAIL, subject, body, description)


def sms(code: str, body: str, description: str) -> tuple:
    return (code, SMS, "", body, description)


def template_id(code: str, channel: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://linkwork.test/notify/{code}/{channel}")


def seed_templates(apps, templates) -> None:
    """Create each template, or bring an existing one (same code and channel) up to date."""
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for code, channel, subject, body, description in templates:
        MessageTemplate.objects.update_or_create(
            code=code,
            channel=channel,
            defaults={
                "notify_template_id": template_id(code, channel),
                "subject": subject,
                "body": body,
                "description": description,
            },
        )
