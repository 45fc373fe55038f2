"""What the case page (casework/views/case.py) shows of a referral's record, read once.

The page is a link worker's most visited one, so each list asks only for the columns the
template prints (a model instance costs per field loaded, and a select_related user or
activity brings dozens) and is read here, in the view, rather than lazily by the template.
Order, filters and what is shown are those of the relations themselves. Each list read
through the referral's related manager keeps "referral" among its columns: the manager sets
the referral on every row it returns, reading that column (deferred, one query per row).

Most sections of most cases are empty (no shortlist, no safety alert, no message back yet),
and a query costs the web process more to build than the database to answer. So one
statement first asks which of those relations have any row for the referral, and only those
are read: a page costs one query per section shown, never one per row."""

from django.db import connection
from django.db.models import Prefetch

from outcomes import presenters as outcome_presenters
from outcomes.models import Response
from referrals.models import Referral

# What the case page reads only when the referral has rows there, by its related name: the
# sections often empty, and the answers (progress) and texts (links held by quiet hours).
OFTEN_EMPTY = (
    "availability",
    "outcome_responses",
    "onward_referrals",
    "signposts",
    "suggestions",
    "messages",
    "questionnaire_requests",
    "safety_alerts",
    "messages_back",
    "healthcare_use",
)


def relations_with_rows(referral, names=OFTEN_EMPTY) -> frozenset:
    """Which of `names` (relations pointing at the referral) have any row for it, in one
    statement of EXISTS on each table's (indexed) foreign key. Written out rather than
    through the ORM, whose building of ten subqueries would cost what it saves; the tables
    and columns come from the models. A section with no row at all shows nothing whatever
    its filters, so skipping its read leaves the page as it was."""
    quote = connection.ops.quote_name
    parts, params = [], []
    for name in names:
        foreign_key = Referral._meta.get_field(name).field
        parts.append(
            f"EXISTS (SELECT 1 FROM {quote(foreign_key.model._meta.db_table)} "
            f"WHERE {quote(foreign_key.column)} = %s)"
        )
        params.append(foreign_key.get_db_prep_value(referral.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        found = cursor.fetchone()
    return frozenset(name for name, exists in zip(names, found, strict=True) if exists)


def what_matters(referral):
    """The latest 'what matters to me', with who recorded it."""
    return (
        referral.what_matters.select_related("by")
        .only("referral", "text", "created_at", "by__full_name")
        .first()
    )


def needs(referral) -> list:
    return list(referral.needs.only("label"))


def goals(referral) -> list:
    return list(referral.goals.only("referral", "description", "status", "progress"))


def onward(referral) -> list:
    return list(
        referral.onward_referrals.select_related("service").only(
            "referral", "status", "sent_at", "respond_by", "service__name"
        )
    )


def signposts(referral) -> list:
    return list(
        referral.signposts.select_related("service").only(
            "referral", "description", "created_at", "service__name"
        )
    )


def suggestions(referral) -> list:
    return list(referral.suggestions.select_related("service").only("referral", "service__name"))


def sent_messages(referral) -> list:
    """Texts and emails sent to the person (not those to staff), newest twenty."""
    return list(
        referral.messages.filter(person__isnull=False)
        .select_related("template")
        .only(
            "referral",
            "channel",
            "status",
            "created_at",
            "send_after",
            "template__code",
            "template__description",
        )[:20]
    )


def questionnaires(referral) -> list:
    """Questionnaires not cancelled, each with which of its instruments were answered."""
    return list(
        referral.questionnaire_requests.exclude(status="cancelled")
        .only(
            "referral",
            "timepoint",
            "instruments",
            "due_on",
            "status",
            "sent_at",
            "completed_at",
            "locked_at",
        )
        .prefetch_related(
            Prefetch(
                "responses",
                queryset=Response.objects.only("request", "instrument", "submitted_at"),
            )
        )
        .order_by("due_on")
    )


def open_alerts(referral) -> list:
    return list(
        referral.safety_alerts.filter(acknowledged_at__isnull=True).only("referral", "raised_at")
    )


def messages_back(referral) -> list:
    return list(referral.messages_back.only("referral", "reason", "sharing", "created_at")[:5])


def healthcare_use(referral) -> list:
    return list(
        referral.healthcare_use.only(
            "referral",
            "period",
            "starts_on",
            "ends_on",
            "gp_consultations",
            "ae_attendances",
            "source",
        )
    )


def events(referral) -> list:
    """The timeline, newest first."""
    return list(
        referral.events.select_related("by", "concept").only(
            "referral",
            "at",
            "summary",
            "detail",
            "by__full_name",
            "concept__code",
            "concept__display",
        )
    )


def record(referral) -> dict:
    """Everything of the referral's record the case page lists, by its name in the page."""
    has = relations_with_rows(referral)

    def read(relation, reader):
        return reader(referral) if relation in has else []

    return {
        "availability": getattr(referral, "availability", None) if "availability" in has else None,
        # Scores come from its submitted responses, links waiting from its queued texts.
        "progress": read("outcome_responses", outcome_presenters.progress),
        "links_waiting": outcome_presenters.links_waiting(referral) if "messages" in has else {},
        "what_matters": what_matters(referral),
        "needs": needs(referral),
        "goals": goals(referral),
        "suggestions": read("suggestions", suggestions),
        "onward": read("onward_referrals", onward),
        "signposts": read("signposts", signposts),
        "sent_messages": read("messages", sent_messages),
        "questionnaires": read("questionnaire_requests", questionnaires),
        "open_alerts": read("safety_alerts", open_alerts),
        "messages_back": read("messages_back", messages_back),
        "healthcare_use": read("healthcare_use", healthcare_use),
        "events": events(referral),
    }
