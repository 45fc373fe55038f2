"""Questionnaires, answers and the message back as FHIR R4 (R4B models from
fhir.resources, which validate every resource as it is built). Translation lives here,
never on models."""

from decimal import Decimal

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from outcomes import instruments

BASE = "https://linkwork.example/fhir"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
SNOMED = "http://snomed.info/sct"


def questionnaire_url(code: str) -> str:
    return f"{BASE}/Questionnaire/{code}"


def questionnaire(instrument: instruments.Instrument) -> dict:
    system = f"{questionnaire_url(instrument.code)}/answers"
    resource = Questionnaire.model_validate(
        {
            "resourceType": "Questionnaire",
            "id": instrument.code,
            "url": questionnaire_url(instrument.code),
            "version": instrument.version,
            "name": instrument.code.upper().replace("_", ""),
            "title": instrument.name,
            "status": "active",
            "copyright": instrument.licence,
            "description": instrument.preamble or instrument.name,
            "item": [
                {
                    "linkId": item.key,
                    "prefix": str(item.number),
                    "text": item.text,
                    "type": "choice",
                    "required": True,
                    "answerOption": [
                        {"valueCoding": {"system": system, "code": str(value), "display": label}}
                        for value, label in instrument.options
                    ],
                }
                for item in instrument.items
            ],
        }
    )
    return resource.model_dump(mode="json", exclude_none=True)


def questionnaire_response(response) -> dict:
    instrument = instruments.get(response.instrument)
    system = f"{questionnaire_url(instrument.code)}/answers"
    person = response.referral.person
    resource = QuestionnaireResponse.model_validate(
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(response.pk),
            "questionnaire": f"{questionnaire_url(instrument.code)}|{response.version}",
            "status": "completed" if response.submitted_at else "in-progress",
            "subject": _patient_reference(person),
            "authored": (response.submitted_at or response.updated_at).isoformat(),
            "source": _patient_reference(person)
            if response.completed_by == "person"
            else {"display": response.recorded_by.full_name},
            "item": [
                {
                    "linkId": item.key,
                    "text": item.text,
                    "answer": [
                        {
                            "valueCoding": {
                                "system": system,
                                "code": str(response.answers[item.key]),
                                "display": instrument.label(response.answers[item.key]),
                            }
                        }
                    ],
                }
                for item in instrument.items
                if item.key in response.answers
            ],
        }
    )
    return resource.model_dump(mode="json", exclude_none=True)


def _patient_reference(person) -> dict:
    reference = {"display": person.full_name}
    if person.nhs_number:
        reference["identifier"] = {"system": NHS_NUMBER, "value": person.nhs_number}
    return reference


def message_back_bundle(message) -> dict:
    """A FHIR document: a Composition whose sections carry the coded entries (a Procedure
    for the referral, an Observation for "declined", and one per outcome measure)."""
    content = message.content
    patient_id = f"patient-{message.referral.person_id}"
    person = content["person"]
    entries = [
        {
            "fullUrl": f"urn:uuid:{message.referral.person_id}",
            "resource": {
                "resourceType": "Patient",
                "id": patient_id,
                "identifier": [{"system": NHS_NUMBER, "value": person["nhs_number"]}]
                if person["nhs_number"]
                else [],
                "name": [{"text": person["name"]}],
                "birthDate": person["date_of_birth"],
            },
        }
    ]
    subject = {"reference": f"urn:uuid:{message.referral.person_id}"}
    coded = []
    for number, code in enumerate(content["codes"]):
        is_referral = code["code"] == "871731000000106"
        resource_id = f"code-{number}"
        resource = {
            "resourceType": "Procedure" if is_referral else "Observation",
            "id": resource_id,
            "status": "completed" if is_referral else "final",
            "code": {
                "coding": [{"system": SNOMED, "code": code["code"], "display": code["display"]}]
            },
            "subject": subject,
        }
        if is_referral:
            resource["performedDateTime"] = code["date"]
        else:
            resource["effectiveDateTime"] = code["date"]
        coded.append(_entry(message, resource_id, resource))
    observations = []
    for number, outcome in enumerate(content.get("outcomes", [])):
        value = outcome["after"] if outcome["after"] is not None else outcome["before"]
        resource_id = f"outcome-{number}"
        observations.append(
            _entry(
                message,
                resource_id,
                {
                    "resourceType": "Observation",
                    "id": resource_id,
                    "status": "final",
                    "code": {"text": outcome["measure"]},
                    "subject": subject,
                    "effectiveDateTime": outcome["after_on"] or outcome["before_on"],
                    "valueQuantity": {"value": Decimal(value)},
                    "note": [{"text": _change_note(outcome)}],
                },
            )
        )
    sections = [
        {
            "title": "Coded entries",
            "code": {"text": "Coded entries"},
            "entry": [{"reference": e["fullUrl"]} for e in coded],
        }
    ]
    if content["sharing"] == "summary":
        sections.append(
            {
                "title": "Summary",
                "text": {
                    "status": "generated",
                    "div": '<div xmlns="http://www.w3.org/1999/xhtml">'
                    + "".join(f"<p><b>{_x(k)}</b>: {_x(v)}</p>" for k, v in _summary_rows(content))
                    + "</div>",
                },
            }
        )
        if observations:
            sections.append(
                {
                    "title": "Outcome measures",
                    "entry": [{"reference": e["fullUrl"]} for e in observations],
                }
            )
    composition = {
        "resourceType": "Composition",
        "id": str(message.pk),
        "status": "final",
        "type": {"text": "Social prescribing message back"},
        "subject": subject,
        "date": message.created_at.isoformat(),
        "author": [{"display": content["from"]["service"]}],
        "title": content["title"],
        "section": sections,
    }
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": str(message.pk),
            "type": "document",
            "timestamp": message.created_at.isoformat(),
            "identifier": {"system": f"{BASE}/message-back", "value": str(message.pk)},
            "entry": [
                {"fullUrl": f"urn:uuid:{message.pk}", "resource": composition},
                *entries,
                *coded,
                *(observations if content["sharing"] == "summary" else []),
            ],
        }
    )
    return bundle.model_dump(mode="json", exclude_none=True)


def _change_note(outcome) -> str:
    return f"Before {outcome['before']}; change {outcome['change'] or 'not yet measured'}"


def _entry(message, resource_id, resource) -> dict:
    return {"fullUrl": f"urn:linkwork:{message.pk}:{resource_id}", "resource": resource}


def _summary_rows(content):
    from outcomes.message_back import as_text_rows

    return as_text_rows(content)


def _x(text) -> str:
    from xml.sax.saxutils import escape

    return escape(str(text))
