"""API clients created and revoked, and referrals received from GP systems: each in a
transaction, audited. A retried ServiceRequest returns the referral it made the first time,
also when the retries arrive at the same moment (a unique constraint decides)."""

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from api.fhir.errors import FhirError
from api.fhir.mappers import parse_service_request
from api.fhir.models import ApiClient, Scope, Submission
from core import audit
from core.errors import ActionError
from organisations.models import Organisation
from outcomes.models import MessageBack
from referrals import actions as referral_actions
from referrals.models import Referral
from referrals.routing import service_for

TOKEN_PREFIX = "lwk_"


@transaction.atomic
def create_api_client(
    *, by, organisation: Organisation, name: str, scopes: list[str], token: str | None = None
):
    """Returns (client, token). The token is shown once: only its hash is stored. (`token`
    is for the demo's published example only; real clients always get a random one.)"""
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown or not scopes:
        raise ActionError(f"Scopes must be some of: {', '.join(Scope.values)}")
    if organisation.kind not in (
        Organisation.Kind.GP_PRACTICE,
        Organisation.Kind.REFERRING_PARTNER,
    ):
        raise ActionError(f"{organisation} is not a referring organisation")
    token = token or TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        organisation=organisation,
        name=name.strip() or "GP system",
        token_hash=ApiClient.hash(token),
        token_prefix=token[:10],
        scopes=sorted(set(scopes)),
    )
    audit.record_change(by=by, verb="create_api_client", obj=client, scopes=client.scopes)
    return client, token


@transaction.atomic
def revoke_api_client(*, by, client: ApiClient) -> ApiClient:
    ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    client.refresh_from_db()
    audit.record_change(by=by, verb="revoke_api_client", obj=client)
    return client


# After a unique constraint fails, PostgreSQL refuses every statement until the transaction
# rolls back; the look-up and the retry that follow need a usable one.
# lint: not-atomic: each attempt is a transaction of its own (create_referral's)
def receive_service_request(*, client: ApiClient, data, reasons=None) -> tuple[Referral, bool]:
    """(referral, created). Raises FhirError with every problem named. `reasons`: the reason
    map, if the caller holds it (`api.fhir.reasons`).

    A person someone else has already referred (by NHS number, or without one by family name,
    date of birth and postcode) is taken like anyone new (201): the service's triage sees the
    possible duplicate, and the client learns nothing about the other referral. Only the
    client's own organisation's open referral of them is a 409.

    The same identifier again returns the first referral (200). It is not looked up first:
    a retry is rare and every new referral would pay for the look-up. A retry fails on the
    way instead (the client's own open referral of the person; or, that one closed since,
    the unique constraint on the identifier), and only then is the identifier looked up."""
    incoming = parse_service_request(data, reasons=reasons)
    organisation = client.organisation
    if incoming.requester_ods != organisation.ods_code:
        raise FhirError.one(
            422,
            "business-rule",
            f"Unknown practice {incoming.requester_ods!r}: this API client refers for "
            f"{organisation.name} ({organisation.ods_code}) only",
            "ServiceRequest.requester",
        )
    system, value = incoming.identifier
    service = service_for(organisation)
    if service is None:
        existing = _existing(organisation, system, value)
        if existing:
            return existing, False
        raise FhirError.one(
            422, "business-rule", "No social prescribing service takes referrals in this area yet"
        )

    def keep_submission(referral):
        # The referral's own audit row and this one are written together.
        Submission.objects.create(
            organisation=organisation,
            client=client,
            identifier_system=system,
            identifier_value=value,
            referral=referral,  # and referral.fhir_submission is this one, unread
            resource=data,
        )
        return {
            "by": None,
            "verb": "receive_fhir_service_request",
            "obj": referral,
            "person": referral.person,
            "api_client": str(client.pk),
            "requester": incoming.requester_name,
        }

    attempt = {
        "by": None,
        "service": service,
        "person": incoming.person,
        "needs": incoming.needs,
        "context": incoming.context,
        "consent_to_contact": True,
        "source": Referral.Source.FHIR,
        "referring_organisation": organisation,
        "also": keep_submission,
    }
    for retry in (False, True):
        try:
            # The first attempt without a savepoint: its transaction is the one round trip
            # pair. The second (after a unique constraint decided) with create_referral's own.
            referral = referral_actions.create_referral(**attempt, retry=retry)
        except (
            IntegrityError,
            referral_actions.DuplicateReferral,
            referral_actions.PossibleDuplicatePerson,
        ) as error:
            # The same identifier again, or at the same moment: the other request made the
            # referral (its person and open episode now exist), so this one gets that answer.
            existing = _existing(organisation, system, value)
            if existing:
                return existing, False
            if isinstance(error, IntegrityError) and not retry:
                continue  # the same new person at once elsewhere, or a reference clash: again
            _refuse_duplicate(error)
        except ActionError as error:
            existing = _existing(organisation, system, value)
            if existing:
                return existing, False
            raise FhirError.one(422, "business-rule", error.message) from None
        _nothing_sent_back_yet(referral)
        return referral, True
    raise AssertionError("unreachable")  # pragma: no cover


def _nothing_sent_back_yet(referral: Referral) -> None:
    """A referral just made has no messages back: say so, rather than ask the database when
    the answer is built."""
    referral._prefetched_objects_cache = {"messages_back": MessageBack.objects.none()}


def _refuse_duplicate(error) -> None:
    if isinstance(error, referral_actions.DuplicateReferral):
        # Only ever the client's own organisation's referral (see create_referral), which it
        # can read already: naming it tells it nothing new.
        raise FhirError.one(
            409,
            "duplicate",
            "Your organisation already has an open referral of this person with the service "
            f"(ServiceRequest/{error.existing.pk}): add anything new by contacting the "
            "service rather than referring again",
            "ServiceRequest.subject",
        ) from None
    if isinstance(error, referral_actions.PossibleDuplicatePerson):
        # Again only the client's own organisation's referral. A match on anyone else's is
        # taken (201) and flagged for triage: "known before" would tell the client too much.
        raise FhirError.one(
            409,
            "duplicate",
            "Your organisation already has an open referral with the service of someone with "
            f"the same family name, date of birth and postcode (ServiceRequest/"
            f"{error.existing.pk}): if it is them, add anything new by contacting the service "
            "rather than referring again; if not, send their NHS number so we can tell them "
            "apart",
            "ServiceRequest.contained.identifier",
        ) from None
    raise error


def _existing(organisation, system, value) -> Referral | None:
    submission = (
        Submission.objects.filter(
            organisation=organisation, identifier_system=system, identifier_value=value
        )
        .select_related("referral")
        .first()
    )
    return submission.referral if submission else None


# How stale `last_used_at` may be: it answers "is this client still in use?" (the access
# review), not "when exactly", and writing it on every request would cost a write a request.
TOUCH_SECONDS = 60


# lint: not-atomic: one UPDATE statement, atomic by itself; a transaction would add BEGIN and COMMIT
def touch(client: ApiClient) -> None:
    """Note that the client was used, at most once a TOUCH_SECONDS: skipped while the value
    read with it is recent, and conditional, so that of several processes at once one
    writes."""
    now = timezone.now()
    stale = now - timedelta(seconds=TOUCH_SECONDS)
    if client.last_used_at is not None and client.last_used_at > stale:
        return
    ApiClient.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=client.pk
    ).update(last_used_at=now)
    client.last_used_at = now
