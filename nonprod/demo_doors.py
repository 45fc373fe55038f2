"""The demo's other ways in: people who referred themselves, referrals straight from the
demo practice's GP system (FHIR), and a partner's CSV upload, all waiting at triage."""

import copy
import json
from datetime import date, timedelta
from pathlib import Path

import time_machine
from django.utils import timezone

from api.fhir.actions import receive_service_request
from api.fhir.models import ApiClient
from referrals.actions import PersonDetails, create_referral
from referrals.models import Need, Referral
from referrals.routing import service_for

EXAMPLE = (
    Path(__file__).resolve().parent.parent / "docs" / "api" / "fhir-servicerequest-example.json"
)
SELF = [
    ("Grace", "Adeyemi", date(1996, 4, 2), "NN4 8DD", "07700900871", ["new-parent"],
     "Since the baby came I hardly leave the flat and feel really low."),
    ("Harold", "Pike", date(1939, 11, 20), "NN12 6BT", "07700900872", ["loneliness", "bereavement"],
     "My wife died last year and the days are very long."),
    ("Jas", "Kaur", date(1978, 7, 14), "NN15 7QT", "07700900873", ["money-debt", "anxiety"],
     "Bills piling up, can't sleep for worrying."),
]  # fmt: skip
FHIR_PEOPLE = [
    ("9449306001", "Irene", "Walsh", "1944-01-09", "NN1 5BD"),
    ("9449304130", "Dennis", "Okafor", "1957-08-30", "NN1 4JX"),
]


def add(practices, progress) -> None:
    now = timezone.now()
    for number, (given, family, born, postcode, phone, needs, words) in enumerate(SELF):
        practice = practices[number * 5 % len(practices)][0]
        with time_machine.travel(now - timedelta(days=number + 1, hours=3), tick=False):
            create_referral(
                by=None,
                service=service_for(practice),
                person=PersonDetails(
                    nhs_number="",
                    given_name=given,
                    family_name=family,
                    date_of_birth=born,
                    postcode=postcode,
                    phone=phone,
                    email="",
                    preferred_contact="text",
                    texts_allowed=True,
                ),
                needs=list(Need.objects.filter(code__in=needs)),
                context=words,
                consent_to_contact=True,
                source=Referral.Source.SELF,
                registered_practice=practice,
            )
    client = ApiClient.objects.get(name="Demo GP system")
    example = json.loads(EXAMPLE.read_text())
    for number, (nhs, given, family, born, postcode) in enumerate(FHIR_PEOPLE):
        request = copy.deepcopy(example)
        request["identifier"][0]["value"] = f"DEMO-{number + 1:04d}"
        patient = request["contained"][0]
        patient["identifier"][0]["value"] = nhs
        patient["name"] = [{"family": family, "given": [given]}]
        patient["birthDate"] = born
        patient["address"] = [{"postalCode": postcode}]
        with time_machine.travel(now - timedelta(hours=5 + number), tick=False):
            receive_service_request(client=client, data=request)
    progress("Self-referrals and referrals from the demo GP system are waiting at triage")
