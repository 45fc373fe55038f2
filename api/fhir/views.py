"""The FHIR R4 API for GP systems and other referrers (/api/fhir/).

Versioning: FHIR R4 (4.0.1); additions only within it. Every request is authenticated with
a per-organisation bearer token, checked against its scopes, and audited; a client sees only
its own organisation's referrals. Every error is an OperationOutcome with the right 4xx.
"""

import functools
import logging
import uuid
from datetime import datetime

from django.contrib.auth.decorators import login_not_required
from django.db.models import Max
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from api.fhir import actions, capability, limits, mappers, reasons
from api.fhir.errors import FHIR_JSON, FhirError, Issue, error_response, fhir_response
from api.fhir.models import ApiClient, Scope
from core import audit
from outcomes import fhir as outcome_fhir
from outcomes.models import MessageBack
from referrals.models import Referral

logger = logging.getLogger(__name__)
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200


def fhir_view(*, methods: tuple[str, ...], scope: str | None = None):
    """Method check, bearer authentication, scope, audit, and OperationOutcome for errors."""

    def decorate(view):
        @csrf_exempt
        @login_not_required
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise FhirError.one(
                        405, "not-supported", f"{request.method} is not supported here"
                    )
                client = _authenticate(request) if scope else None
                if scope and scope not in client.scopes:
                    raise FhirError.one(
                        403, "forbidden", f"This API client does not have the scope {scope}"
                    )
                response = view(request, client, *args, **kwargs)
            except FhirError as error:
                response = error_response(error)
            except Exception:  # answer in FHIR even when we are at fault; never an HTML page
                logger.exception("FHIR API error on %s", request.path)
                response = error_response(
                    FhirError.one(500, "exception", "Something went wrong on our side")
                )
            response["Cache-Control"] = "no-store"
            return response

        return wrapped

    return decorate


def _authenticate(request) -> ApiClient:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or len(header) < 20:
        raise FhirError.one(401, "login", "Send the API client's token: Authorization: Bearer …")
    # get(), not first(): the hash is unique, and first() would order by the organisation's
    # name (the model's ordering), a sort and a longer statement on every request.
    try:
        client = ApiClient.objects.select_related("organisation").get(
            token_hash=ApiClient.hash(header[7:].strip()), revoked_at__isnull=True
        )
    except ApiClient.DoesNotExist:
        raise FhirError.one(401, "login", "Unknown or revoked token") from None
    actions.touch(client)
    return client


def _json_body(request):
    content_type = request.content_type or ""
    if content_type not in (FHIR_JSON, "application/json"):
        raise FhirError.one(
            415,
            "not-supported",
            f"Send the resource as {FHIR_JSON}, not {content_type or 'nothing'}",
        )
    return limits.read_json(request)  # size, nesting and list lengths checked first


@fhir_view(methods=("GET",))
def metadata(request, client):
    return fhir_response(capability.statement(request))


@fhir_view(methods=("POST",), scope=Scope.CREATE_REFERRALS)
def create_service_request(request, client):
    data = _json_body(request)
    referral, created = actions.receive_service_request(
        client=client, data=data, reasons=reasons.reason_map()
    )
    if not created:  # the first answer again: read it as it is now
        referral = _scoped(client).get(pk=referral.pk)
    # A new one is answered from what was just written: its person, service, submission and
    # (none yet) messages back are all in hand.
    location = request.build_absolute_uri(f"{mappers.BASE}/ServiceRequest/{referral.pk}")
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": location, "resource": mappers.service_request(referral)},
            {
                "fullUrl": request.build_absolute_uri(f"{mappers.BASE}/Task/{referral.pk}"),
                "resource": mappers.task(referral),
            },
        ],
    }
    return fhir_response(bundle, status=201 if created else 200, Location=location)


def _scoped(client):
    """The client's own organisation's referrals, and nothing else."""
    return (
        Referral.objects.filter(referring_organisation=client.organisation)
        .select_related(
            "person",
            "service",
            "referring_organisation",
            "discharge_reason__concept",
            "fhir_submission",
        )
        .prefetch_related("messages_back", "needs")
    )


def _uuid(pk):
    try:
        return uuid.UUID(str(pk))
    except ValueError:
        raise FhirError.one(404, "not-found", f"No such resource: {pk}") from None


def _one(client, pk) -> Referral:
    referral = _scoped(client).filter(pk=_uuid(pk)).first()
    if referral is None:
        raise FhirError.one(404, "not-found", f"No such resource: {pk}")
    audit.record_view(
        by=None, verb="fhir_read", obj=referral, person=referral.person, api_client=str(client.pk)
    )
    return referral


@fhir_view(methods=("GET",), scope=Scope.READ_TASKS)
def read_service_request(request, client, pk):
    return fhir_response(mappers.service_request(_one(client, pk)))


@fhir_view(methods=("GET",), scope=Scope.READ_TASKS)
def read_task(request, client, pk):
    return fhir_response(mappers.task(_one(client, pk)))


@fhir_view(methods=("GET",), scope=Scope.READ_TASKS)
def read_bundle(request, client, pk):
    message = (
        MessageBack.objects.filter(
            pk=_uuid(pk), referral__referring_organisation=client.organisation
        )
        .select_related("referral__person")
        .first()
    )
    if message is None:
        raise FhirError.one(404, "not-found", f"No such resource: {pk}")
    audit.record_view(
        by=None,
        verb="fhir_read",
        obj=message,
        person=message.referral.person,
        api_client=str(client.pk),
    )
    return fhir_response(outcome_fhir.message_back_bundle(message))


SEARCH_PARAMS = {"requester", "_lastUpdated", "_count", "_page", "status"}


@fhir_view(methods=("GET",), scope=Scope.READ_TASKS)
def search_tasks(request, client):
    issues = [
        Issue("not-supported", f"Unknown search parameter {name!r}", name)
        for name in request.GET
        if name not in SEARCH_PARAMS
    ]
    rows = _scoped(client).annotate(
        updated=Greatest(
            "status_changed_at",
            Coalesce(Max("messages_back__created_at"), "status_changed_at"),
        )
    )
    requester = request.GET.get("requester")
    if requester is not None:
        ods = requester.split("|")[-1].split("/")[-1]
        if ods != client.organisation.ods_code:
            rows = rows.none()  # only ever its own organisation's referrals
    for value in request.GET.getlist("_lastUpdated"):
        prefix, moment = value[:2], value[2:]
        try:
            when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
        except ValueError:
            issues.append(
                Issue(
                    "value",
                    f"_lastUpdated must be like gt2026-11-01T09:00:00Z, not {value!r}",
                    "_lastUpdated",
                )
            )
            continue
        lookups = {"gt": "gt", "ge": "gte", "lt": "lt", "le": "lte", "eq": "exact"}
        if prefix not in lookups:
            issues.append(
                Issue("value", "_lastUpdated needs a prefix: gt, ge, lt, le or eq", "_lastUpdated")
            )
            continue
        rows = rows.filter(**{f"updated__{lookups[prefix]}": when})
    count = _number(request, "_count", PAGE_SIZE, 1, MAX_PAGE_SIZE, issues)
    page = _number(request, "_page", 1, 1, 100_000, issues)
    if issues:
        raise FhirError(400, issues)
    rows = rows.order_by("updated", "pk")
    total = rows.count()
    chosen = list(rows[(page - 1) * count : page * count])
    base = request.build_absolute_uri(request.path)
    links = [{"relation": "self", "url": request.build_absolute_uri()}]
    if page * count < total:
        query = request.GET.copy()
        query["_page"] = str(page + 1)
        links.append({"relation": "next", "url": f"{base}?{query.urlencode()}"})
    audit.record_list_view(
        by=None,
        verb="fhir_search_tasks",
        person_ids=[r.person_id for r in chosen],
        api_client=str(client.pk),
    )
    return fhir_response(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": total,
            "link": links,
            "entry": [
                {
                    "fullUrl": request.build_absolute_uri(f"{mappers.BASE}/Task/{r.pk}"),
                    "resource": mappers.task(r),
                    "search": {"mode": "match"},
                }
                for r in chosen
            ],
        }
    )


def _number(request, name, default, low, high, issues):
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        issues.append(Issue("value", f"{name} must be a whole number", name))
        return default
    if not low <= value <= high:
        issues.append(Issue("value", f"{name} must be from {low} to {high}", name))
        return default
    return value


@fhir_view(methods=("GET", "POST", "PUT", "DELETE", "PATCH"))
def unsupported(request, client, resource_type, rest=""):
    raise FhirError.one(
        404 if request.method == "GET" else 405,
        "not-supported",
        f"{resource_type} is not supported by this server: see /api/fhir/metadata",
        resource_type,
    )
