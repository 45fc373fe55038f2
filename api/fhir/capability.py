"""What this FHIR server supports, exactly: the CapabilityStatement at /metadata and the
OpenAPI description, written out from one list."""

from django.utils import timezone

from api.fhir.models import Scope

RESOURCES = [
    {
        "type": "ServiceRequest",
        "interaction": ["create", "read"],
        "documentation": "Create a referral to the social prescribing service (Patient, "
        "requester PractitionerRole and Consent contained). Same identifier again: the first "
        "result, never a second referral.",
        "searchParam": [],
    },
    {
        "type": "Task",
        "interaction": ["read", "search-type"],
        "documentation": "The closed loop back to the referrer: one Task per referral.",
        "searchParam": [
            {
                "name": "requester",
                "type": "reference",
                "documentation": "ODS code of your organisation",
            },
            {
                "name": "_lastUpdated",
                "type": "date",
                "documentation": "e.g. gt2026-11-01T09:00:00Z",
            },
            {"name": "_count", "type": "number", "documentation": "1 to 200, default 50"},
            {"name": "_page", "type": "number", "documentation": "page of results, from 1"},
        ],
    },
    {
        "type": "Bundle",
        "interaction": ["read"],
        "documentation": "The message back (a FHIR document), linked from Task.output.",
        "searchParam": [],
    },
]


def statement(request) -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().date().isoformat(),
        "kind": "instance",
        "software": {"name": "linkwork"},
        "implementation": {
            "description": "linkwork social prescribing FHIR API",
            "url": request.build_absolute_uri("/api/fhir"),
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "application/json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Bearer token per API client (OAuth2 client-credentials "
                    f"style); scopes: {', '.join(Scope.values)}"
                },
                "resource": [
                    {
                        "type": r["type"],
                        "interaction": [{"code": code} for code in r["interaction"]],
                        "documentation": r["documentation"],
                        **({"searchParam": r["searchParam"]} if r["searchParam"] else {}),
                    }
                    for r in RESOURCES
                ],
            }
        ],
    }


def openapi(request) -> dict:
    fhir = {"application/fhir+json": {"schema": {"type": "object"}}}
    outcome = {"description": "OperationOutcome", "content": fhir}
    bearer = [{"bearer": []}]
    id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}

    def errors(*codes):
        return {str(code): outcome for code in codes}

    return {
        "openapi": "3.0.3",
        "info": {
            "title": "linkwork FHIR R4 API",
            "version": "4.0.1",
            "description": "Referrals from GP systems (ServiceRequest) and the closed loop back "
            "(Task). See docs/api/fhir.md for a walkthrough.",
        },
        "servers": [{"url": request.build_absolute_uri("/api/fhir")}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/metadata": {
                "get": {
                    "summary": "CapabilityStatement",
                    "responses": {"200": {"description": "CapabilityStatement", "content": fhir}},
                }
            },
            "/ServiceRequest": {
                "post": {
                    "summary": "Create a referral",
                    "security": bearer,
                    "requestBody": {"required": True, "content": fhir},
                    "responses": {
                        "201": {"description": "Created: ServiceRequest and Task", "content": fhir},
                        "200": {
                            "description": "Already received (same identifier)",
                            "content": fhir,
                        },
                        **errors(400, 401, 403, 409, 415, 422),
                    },
                }
            },
            "/ServiceRequest/{id}": {
                "get": {
                    "summary": "Read a referral",
                    "security": bearer,
                    "parameters": [id_param],
                    "responses": {
                        "200": {"description": "ServiceRequest", "content": fhir},
                        **errors(401, 403, 404),
                    },
                }
            },
            "/Task/{id}": {
                "get": {
                    "summary": "Read a referral's progress",
                    "security": bearer,
                    "parameters": [id_param],
                    "responses": {
                        "200": {"description": "Task", "content": fhir},
                        **errors(401, 403, 404),
                    },
                }
            },
            "/Task": {
                "get": {
                    "summary": "Poll your referrals' progress",
                    "security": bearer,
                    "parameters": [
                        {"name": "requester", "in": "query", "schema": {"type": "string"}},
                        {"name": "_lastUpdated", "in": "query", "schema": {"type": "string"}},
                        {"name": "_count", "in": "query", "schema": {"type": "integer"}},
                        {"name": "_page", "in": "query", "schema": {"type": "integer"}},
                    ],
                    "responses": {
                        "200": {"description": "Bundle of Task", "content": fhir},
                        **errors(400, 401, 403),
                    },
                }
            },
            "/Bundle/{id}": {
                "get": {
                    "summary": "Read a message back (FHIR document)",
                    "security": bearer,
                    "parameters": [id_param],
                    "responses": {
                        "200": {"description": "Bundle", "content": fhir},
                        **errors(401, 403, 404),
                    },
                }
            },
        },
    }
