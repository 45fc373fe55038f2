"""Words and tags for onward referrals."""

from django.utils import timezone

from core.presenters import nice_date
from onward.states import Status

TAG_COLOURS = {
    Status.SENT: "blue",
    Status.WAITING_LIST: "yellow",
    Status.ACCEPTED: "aqua-green",
    Status.DECLINED: "red",
    Status.ATTENDED: "green",
    Status.DID_NOT_ATTEND: "orange",
    Status.COMPLETED: "grey",
    Status.STOPPED: "grey",
    Status.CANCELLED: "grey",
}


def onward_tag(status: str) -> dict:
    return {"text": Status(status).label, "classes": f"nhsuk-tag--{TAG_COLOURS[status]}"}


def answer_due(onward, today=None) -> dict | None:
    """For referrals waiting for the provider: due, due today, or overdue."""
    if onward.status != Status.SENT:
        return None
    today = today or timezone.localdate()
    if today > onward.respond_by:
        days = (today - onward.respond_by).days
        return {
            "text": f"Answer overdue by {days} day{'s' if days != 1 else ''}",
            "classes": "nhsuk-tag--red",
            "overdue": True,
        }
    if today == onward.respond_by:
        return {"text": "Answer due today", "classes": "nhsuk-tag--orange", "overdue": True}
    return {
        "text": f"Answer by {nice_date(onward.respond_by)}",
        "classes": "nhsuk-tag--white",
        "overdue": False,
    }
