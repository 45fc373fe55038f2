"""What one FHIR request may send, checked before anything is parsed, validated or looked up,
so that a broken or hostile client costs us little and always gets an OperationOutcome:

- the body: at most settings.FHIR_MAX_BODY_BYTES (1 MB unless set), else 413;
- JSON nesting: at most MAX_DEPTH deep, found by a scan of the brackets outside strings before
  `json.loads` could recurse into a stack overflow, else 400;
- lists: no more of anything than a referral could need (MAX_ITEMS, MAX_REASON_CODINGS, and
  MAX_LIST for any other list), else 400 with each list named by its FHIRPath.

A real ServiceRequest with its contained Patient, PractitionerRole and Consent is a few
kilobytes, about 8 deep, with a handful of reasons."""

import json
import re
from itertools import accumulate

from django.conf import settings
from django.core.exceptions import RequestDataTooBig

from api.fhir.errors import FhirError, Issue

MAX_DEPTH = 32
MAX_REASON_CODINGS = 20  # codings across all of reasonCode: each one is looked up
MAX_LIST = 50  # any list not named below
# Lists by their path from the resource, without indexes.
MAX_ITEMS = {
    "identifier": 5,
    "contained": 10,
    "reasonCode": 20,
    "reasonCode.coding": 20,
    "note": 20,
    "supportingInfo": 20,
    "contained.identifier": 10,
}

# A JSON string, escapes and all (possessive, so a stray quote cannot make it backtrack).
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def read_json(request):
    """The request's JSON body, within the limits above; FhirError otherwise."""
    body = _body(request)
    if depth(body) > MAX_DEPTH:
        raise FhirError.one(
            400, "too-long", f"The JSON is nested more than {MAX_DEPTH} deep: no FHIR resource is"
        )
    try:
        data = json.loads(body or b"")
    except RecursionError:  # the scan above should make this impossible; never a 500
        raise FhirError.one(400, "too-long", "The JSON is nested too deep") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise FhirError.one(400, "structure", f"The body is not valid JSON: {error}") from None
    check_counts(data)
    return data


def _body(request) -> bytes:
    limit = settings.FHIR_MAX_BODY_BYTES
    too_large = FhirError.one(
        413, "too-long", f"The body is larger than {limit:,} bytes: no referral needs that much"
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large  # refused before a byte of it is read
    try:
        body = request.body
    except RequestDataTooBig:  # DATA_UPLOAD_MAX_MEMORY_SIZE is the lower of the two
        raise too_large from None
    if len(body) > limit:
        raise too_large
    return body


def depth(body: bytes) -> int:
    """How deep the JSON's arrays and objects nest (brackets inside strings do not count)."""
    skeleton = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(_STEP[b] for b in skeleton), default=0)


def check_counts(data) -> None:
    """Every list within its limit, walked without recursion; FhirError(400) naming each
    list that is too long."""
    if not isinstance(data, dict):
        return
    resource = data.get("resourceType") if isinstance(data.get("resourceType"), str) else None
    root = resource or "Resource"
    issues = []
    reason_codings = sum(
        len(concept.get("coding") or [])
        for concept in _list(data.get("reasonCode"))
        if isinstance(concept, dict) and isinstance(concept.get("coding"), list)
    )
    if reason_codings > MAX_REASON_CODINGS:
        issues.append(
            Issue(
                "too-long",
                f"At most {MAX_REASON_CODINGS} reason codings in one referral "
                f"(this has {reason_codings:,})",
                f"{root}.reasonCode",
            )
        )
    pending = [(data, root, "")]
    while pending and len(issues) < 10:
        value, path, shape = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                pending.append((item, f"{path}.{key}", f"{shape}.{key}".lstrip(".")))
        elif isinstance(value, list):
            cap = MAX_ITEMS.get(shape, MAX_LIST)
            if len(value) > cap:
                issues.append(
                    Issue("too-long", f"At most {cap} items here (this has {len(value):,})", path)
                )
                continue
            pending.extend((item, f"{path}[{n}]", shape) for n, item in enumerate(value))
    if issues:
        raise FhirError(400, issues)


def _list(value) -> list:
    return value if isinstance(value, list) else []
