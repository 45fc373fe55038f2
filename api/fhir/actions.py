"""API clients created and revoked, and referrals received from GP systems: each in a
transaction, audited. A retried ServiceRequest returns the referral it made the first time,
also when the retries arrive at the same moment (a unique constraint decides)."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from api.fhir.errors import FhirError
from api.fhir.mappers import parse_service_request
from api.fhir.models import ApiClient, Scope, Submission
from core import audit
from core.errors import ActionError
from organisations.models import Organisation
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


@transaction.atomic
def receive_service_request(*, client: ApiClient, data) -> tuple[Referral, bool]:
    """(referral, created). Raises FhirError with every problem named.

    A person someone else has already referred (by NHS number, or without one by family name,
    date of birth and postcode) is taken like anyone new (201): the service's triage sees the
    possible duplicate, and the client learns nothing about the other referral. Only the
    client's own organisation's open referral of them is a 409."""
    incoming = parse_service_request(data)
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
    existing = _existing(organisation, system, value)
    if existing:
        return existing, False
    service = service_for(organisation)
    if service is None:
        raise FhirError.one(
            422, "business-rule", "No social prescribing service takes referrals in this area yet"
        )
    try:
        with transaction.atomic():
            referral = referral_actions.create_referral(
                by=None,
                service=service,
                person=incoming.person,
                needs=incoming.needs,
                context=incoming.context,
                consent_to_contact=True,
                source=Referral.Source.FHIR,
                referring_organisation=organisation,
            )
            Submission.objects.create(
                organisation=organisation,
                client=client,
                identifier_system=system,
                identifier_value=value,
                referral=referral,
                resource=data,
            )
            audit.record_change(
                by=None,
                verb="receive_fhir_service_request",
                obj=referral,
                person=referral.person,
                api_client=str(client.pk),
                requester=incoming.requester_name,
            )
    except (
        IntegrityError,
        referral_actions.DuplicateReferral,
        referral_actions.PossibleDuplicatePerson,
    ) as error:
        # The same identifier arriving twice at once: the other request made the referral
        # (its person and open episode now exist), so this retry gets that answer.
        existing = _existing(organisation, system, value)
        if existing:
            return existing, False
        _refuse_duplicate(error)
    except ActionError as error:
        raise FhirError.one(422, "business-rule", error.message) from None
    return referral, True


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


@transaction.atomic
def touch(client: ApiClient) -> None:
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
