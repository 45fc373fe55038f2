"""FHIR R4 ↔ linkwork. A ServiceRequest (with its Patient, requester and Consent contained)
becomes a referral; a referral is shown back as a Task (HL7 Gravity SDOH closed-loop
pattern) and its ServiceRequest. Every problem found is collected, with where it is, so
one answer names them all."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from api.fhir.errors import FhirError, Issue, pydantic_issues
from api.fhir.models import ReasonMapping
from referrals import validators
from referrals.actions import PersonDetails
from referrals.demographics import EthnicCategory
from referrals.models import ContactMethod, Need, Referral
from referrals.states import Status

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
SNOMED = "http://snomed.info/sct"
NEEDS_SYSTEM = "https://linkwork.example/fhir/CodeSystem/need"
# The reference the person is told to quote (`referrals.references`), like K7QM-3XPD.
REFERENCE_SYSTEM = "https://linkwork.example/fhir/Id/referral-reference"
BASE = "/api/fhir"


@dataclass
class Incoming:
    identifier: tuple[str, str]
    person: PersonDetails
    needs: list
    context: str
    requester_ods: str
    requester_name: str


def parse_service_request(data, *, reasons: dict | None = None) -> Incoming:
    """`reasons`: the whole reason map, (system, code) → needs (`api.fhir.reasons`), if the
    caller holds it; otherwise the codes sent are looked up in one query."""
    if not isinstance(data, dict):
        raise FhirError.one(400, "structure", "The body must be a JSON object (a FHIR resource)")
    kind = data.get("resourceType")
    if kind != "ServiceRequest":
        raise FhirError.one(
            400 if kind is None else 422,
            "not-supported" if kind else "required",
            f"Only ServiceRequest can be created here, not {kind!r}"
            if kind
            else "resourceType is required: send a ServiceRequest",
            "resourceType",
        )
    try:
        resource = ServiceRequest.model_validate(data)
    except ValidationError as error:
        raise FhirError(422, pydantic_issues("ServiceRequest", error)) from None
    issues: list[Issue] = []
    contained = {f"#{c.id}": (i, c) for i, c in enumerate(resource.contained or []) if c.id}

    identifier = _identifier(resource, issues)
    patient_index, patient = _contained(
        resource.subject, contained, "Patient", "ServiceRequest.subject", issues
    )
    person = _person(patient, patient_index, issues) if patient is not None else None
    needs, unmapped = _needs(resource, issues, reasons)
    ods, name = _requester(resource, contained, issues)
    _consent(resource, contained, issues)
    if resource.intent != "order":
        issues.append(Issue("value", "intent must be 'order'", "ServiceRequest.intent"))
    if resource.status not in ("active",):
        issues.append(
            Issue("value", "status must be 'active' for a new referral", "ServiceRequest.status")
        )
    if issues:
        raise FhirError(422, issues)
    notes = [n.text for n in (resource.note or []) if n.text]
    if unmapped:
        notes.append("Other reasons given: " + "; ".join(unmapped))
    return Incoming(identifier, person, needs, "\n".join(notes)[:4000], ods, name)


def _identifier(resource, issues) -> tuple[str, str]:
    for index, identifier in enumerate(resource.identifier or []):
        if identifier.system and identifier.value:
            return identifier.system, identifier.value
        issues.append(
            Issue(
                "required",
                "identifier needs a system and a value",
                f"ServiceRequest.identifier[{index}]",
            )
        )
        return "", ""
    issues.append(
        Issue(
            "required",
            "identifier (system and value) is required: it makes retries safe",
            "ServiceRequest.identifier",
        )
    )
    return "", ""


def _contained(reference, contained, kind, path, issues):
    if reference is None or not reference.reference:
        issues.append(Issue("required", f"{path} must reference a contained {kind}", path))
        return None, None
    found = contained.get(reference.reference)
    if found is None or found[1].get_resource_type() != kind:
        issues.append(
            Issue(
                "not-supported",
                f"{path} must reference a {kind} contained in the ServiceRequest "
                f"(like '#patient'), not {reference.reference!r}",
                f"{path}.reference",
            )
        )
        return None, None
    return found


def _person(patient, index, issues) -> PersonDetails | None:
    path = f"ServiceRequest.contained[{index}]"
    nhs_number = ""
    for i, identifier in enumerate(patient.identifier or []):
        if identifier.system == NHS_NUMBER:
            try:
                nhs_number = validators.normalise_nhs_number(identifier.value or "")
            except DjangoValidationError as error:
                issues.append(Issue("value", error.messages[0], f"{path}.identifier[{i}].value"))
    name = (patient.name or [None])[0]
    family = (name.family or "").strip() if name else ""
    given = " ".join(name.given or []).strip() if name else ""
    if not family:
        issues.append(
            Issue("required", "The patient's family name is required", f"{path}.name[0].family")
        )
    if not given:
        issues.append(
            Issue("required", "The patient's given name is required", f"{path}.name[0].given")
        )
    birth = patient.birthDate
    if birth is None:
        issues.append(
            Issue("required", "The patient's birth date is required", f"{path}.birthDate")
        )
    else:
        try:
            validators.check_date_of_birth(birth, today=timezone.localdate())
        except DjangoValidationError as error:
            issues.append(Issue("value", error.messages[0], f"{path}.birthDate"))
    postcode = ""
    addresses = patient.address or []
    if not addresses or not addresses[0].postalCode:
        issues.append(
            Issue("required", "The patient's postcode is required", f"{path}.address[0].postalCode")
        )
    else:
        try:
            postcode = validators.normalise_postcode(addresses[0].postalCode)
        except DjangoValidationError as error:
            issues.append(Issue("value", error.messages[0], f"{path}.address[0].postalCode"))
    phone = email = ""
    preferred = None
    ranked = sorted(
        enumerate(patient.telecom or []), key=lambda pair: pair[1].rank if pair[1].rank else 99
    )
    for i, telecom in ranked:
        if telecom.system in ("phone", "sms") and not phone:
            try:
                phone = validators.normalise_uk_phone(telecom.value or "")
            except DjangoValidationError as error:
                issues.append(Issue("value", error.messages[0], f"{path}.telecom[{i}].value"))
                continue
            preferred = preferred or (
                ContactMethod.TEXT if telecom.system == "sms" else ContactMethod.PHONE
            )
        elif telecom.system == "email" and not email:
            if "@" not in (telecom.value or ""):
                issues.append(Issue("value", "Not an email address", f"{path}.telecom[{i}].value"))
                continue
            email = telecom.value.strip()
            preferred = preferred or ContactMethod.EMAIL
    if not (phone or email):
        issues.append(
            Issue("required", "A phone number or email address is required", f"{path}.telecom")
        )
    if issues:
        return None
    return PersonDetails(
        sex=GENDER_TO_SEX.get(patient.gender or "", ""),
        ethnicity=_ethnic_category(patient),
        nhs_number=nhs_number,
        given_name=given[:100],
        family_name=family[:100],
        date_of_birth=birth,
        postcode=postcode,
        phone=phone,
        email=email,
        preferred_contact=preferred,
    )


def _needs(resource, issues, reasons):
    concepts = resource.reasonCode or []
    if not concepts:
        issues.append(
            Issue("required", "At least one reasonCode is required", "ServiceRequest.reasonCode")
        )
        return [], []
    needs, unmapped = {}, []
    mapped = _reason_mappings(concepts) if reasons is None else reasons
    for index, concept in enumerate(concepts):
        matched = False
        for coding in concept.coding or []:
            for need in mapped.get((coding.system or "", coding.code or ""), []):
                needs[need.code] = need
                matched = True
        if not matched:
            text = concept.text or ", ".join(
                f"{c.display or c.code}" for c in concept.coding or [] if c.display or c.code
            )
            if not text:
                issues.append(
                    Issue(
                        "required",
                        "A reasonCode needs a coding or text",
                        f"ServiceRequest.reasonCode[{index}]",
                    )
                )
            unmapped.append(text)
    if unmapped and not needs:
        # linkwork's own code "other" maps to the need "other", so the map usually has it.
        other = next(iter(mapped.get((NEEDS_SYSTEM, "other"), [])), None)
        if other is None or other.code != "other":
            other = Need.objects.filter(code="other").first()
        if other:
            needs["other"] = other
    return list(needs.values()), [u for u in unmapped if u]


def _reason_mappings(reasons) -> dict[tuple[str, str], list[Need]]:
    """(system, code) → needs, for every coding at once: one query however many there are."""
    wanted = {(c.system or "", c.code or "") for concept in reasons for c in concept.coding or []}
    found: dict[tuple[str, str], list[Need]] = {}
    codes = {code for _, code in wanted if code}
    if not codes:
        return found
    for mapping in (
        ReasonMapping.objects.filter(code__in=codes).select_related("need").order_by("pk")
    ):
        if (mapping.system, mapping.code) in wanted:
            found.setdefault((mapping.system, mapping.code), []).append(mapping.need)
    return found


def _requester(resource, contained, issues) -> tuple[str, str]:
    path = "ServiceRequest.requester"
    reference = resource.requester
    if reference is None:
        issues.append(
            Issue("required", "requester (the practice and professional) is required", path)
        )
        return "", ""
    if reference.identifier and reference.identifier.system == ODS:
        return reference.identifier.value or "", reference.display or ""
    found = contained.get(reference.reference or "")
    if found is None:
        issues.append(
            Issue(
                "required",
                "requester must give the practice's ODS code: an identifier, or a contained "
                "PractitionerRole with organization.identifier",
                path,
            )
        )
        return "", ""
    index, role = found
    if role.get_resource_type() != "PractitionerRole" or not (
        role.organization and role.organization.identifier and role.organization.identifier.value
    ):
        issues.append(
            Issue(
                "required",
                "The contained requester must be a PractitionerRole whose organization has an "
                "ODS code identifier",
                f"ServiceRequest.contained[{index}].organization.identifier",
            )
        )
        return "", ""
    name = role.practitioner.display if role.practitioner and role.practitioner.display else ""
    return role.organization.identifier.value, name


def _consent(resource, contained, issues) -> None:
    consents = [
        (index, item) for index, item in contained.values() if item.get_resource_type() == "Consent"
    ]
    referenced = {r.reference for r in resource.supportingInfo or []}
    for index, consent in consents:
        if f"#{consent.id}" in referenced:
            permit = consent.provision is None or consent.provision.type in (None, "permit")
            if consent.status == "active" and permit:
                return
            issues.append(
                Issue(
                    "business-rule",
                    "The person's consent must be active and permit contact",
                    f"ServiceRequest.contained[{index}].status",
                )
            )
            return
    issues.append(
        Issue(
            "required",
            "The person's consent to be contacted is required: a contained Consent "
            "(status active) referenced from supportingInfo",
            "ServiceRequest.supportingInfo",
        )
    )


# Referral → FHIR


# referral status → Task.status (Gravity SDOH)
TASK_STATUS = {
    Status.RECEIVED: "requested",
    Status.ACCEPTED: "accepted",
    Status.ALLOCATED: "accepted",
    Status.ACTIVE: "in-progress",
    Status.DECLINED: "rejected",
    Status.REDIRECTED: "rejected",
}
FAILED_DISCHARGES = {"declined", "lost-contact"}


def task(referral: Referral) -> dict:
    status = TASK_STATUS.get(referral.status)
    reason = ""
    if referral.status == Status.DISCHARGED:
        code = referral.discharge_reason.code if referral.discharge_reason_id else ""
        status = "failed" if code in FAILED_DISCHARGES else "completed"
        reason = referral.discharge_reason.label if referral.discharge_reason_id else ""
    elif referral.status == Status.DECLINED:
        reason = referral.get_decline_reason_display()
    elif referral.status == Status.REDIRECTED:
        reason = f"Redirected to {referral.redirected_to}"
    submission = getattr(referral, "fhir_submission", None)
    resource = {
        "resourceType": "Task",
        "id": str(referral.pk),
        "meta": {"lastUpdated": last_updated(referral).isoformat()},
        "status": status,
        "intent": "order",
        "businessStatus": {"text": referral.get_status_display()},
        "focus": {"reference": f"ServiceRequest/{referral.pk}"},
        "basedOn": [{"reference": f"ServiceRequest/{referral.pk}"}],
        "for": _patient_reference(referral),
        "authoredOn": referral.received_at.isoformat(),
        "lastModified": last_updated(referral).isoformat(),
        "requester": _organisation_reference(referral.referring_organisation),
        "owner": {"display": referral.service.name},
        "code": {
            "coding": [
                {
                    "system": SNOMED,
                    "code": "871731000000106",
                    "display": "Referral to social prescribing service (procedure)",
                }
            ]
        },
    }
    if submission:
        resource["identifier"] = [
            {"system": submission.identifier_system, "value": submission.identifier_value}
        ]
    if reason:
        resource["statusReason"] = {"text": reason}
    outputs = []
    for message in referral.messages_back.all():
        outputs.append(
            {
                "type": {"text": f"Message back ({message.get_reason_display().lower()})"},
                "valueReference": {"reference": f"Bundle/{message.pk}", "type": "Bundle"},
            }
        )
    if referral.discharge_reason_id and referral.discharge_reason.concept_id:
        concept = referral.discharge_reason.concept
        outputs.append(
            {
                "type": {"text": "Outcome"},
                "valueCodeableConcept": {
                    "coding": [
                        {"system": concept.system, "code": concept.code, "display": concept.display}
                    ]
                },
            }
        )
    if outputs:
        resource["output"] = outputs
    return resource


def last_updated(referral: Referral):
    moments = [referral.status_changed_at, referral.received_at]
    moments += [m.created_at for m in referral.messages_back.all()]
    return max(moments)


def service_request(referral: Referral) -> dict:
    submission = getattr(referral, "fhir_submission", None)
    resource = (
        dict(submission.resource)
        if submission
        else {
            "resourceType": "ServiceRequest",
            "intent": "order",
            "subject": _patient_reference(referral),
            "requester": _organisation_reference(referral.referring_organisation),
            "reasonCode": [
                {"coding": [{"system": NEEDS_SYSTEM, "code": n.code, "display": n.label}]}
                for n in referral.needs.all()
            ],
        }
    )
    resource["id"] = str(referral.pk)
    # The referrer's own identifiers as they sent them, then ours (a new list: the stored
    # submission is not changed).
    resource["identifier"] = [
        *(resource.get("identifier") or []),
        {"system": REFERENCE_SYSTEM, "value": referral.reference},
    ]
    resource["status"] = "active" if referral.closed_at is None else "completed"
    resource["authoredOn"] = referral.received_at.isoformat()
    resource["meta"] = {"lastUpdated": last_updated(referral).isoformat()}
    return resource


def _patient_reference(referral) -> dict:
    # The NHS number as the referral knows it: a possible duplicate's is kept on the referral.
    reference = {"display": referral.person.full_name}
    if referral.nhs_number:
        reference["identifier"] = {"system": NHS_NUMBER, "value": referral.nhs_number}
    return reference


def _organisation_reference(organisation) -> dict:
    if organisation is None:
        return {"display": "Self-referral"}
    reference = {"display": organisation.name}
    if organisation.ods_code:
        reference["identifier"] = {"system": ODS, "value": organisation.ods_code}
    return reference


# Patient.gender as GP systems send it; "unknown" means not recorded.
GENDER_TO_SEX = {"female": "female", "male": "male", "other": "other"}
ETHNIC_CATEGORY_EXTENSION = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
)


def _ethnic_category(patient) -> str:
    """The UK Core ethnic category extension's code (NHS ethnic category, A to Z), if sent."""
    for extension in patient.extension or []:
        concept = (
            extension.valueCodeableConcept if extension.url == ETHNIC_CATEGORY_EXTENSION else None
        )
        for coding in (concept.coding or []) if concept else []:
            if coding.code in EthnicCategory.values:
                return coding.code
    return ""
