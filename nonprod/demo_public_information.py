"""The demo county's public information, filled in as an ICB would (fictional details)."""

from django.utils import timezone

from organisations.actions import update_public_information
from organisations.models import Area

PHONE = "01632 960000"  # Ofcom's range for drama: never a real line
EMAIL = "social.prescribing@example.nhs.uk"

PRIVACY = f"""## Who we are
Northamptonshire Social Prescribing is run by Northamptonshire Social Prescribing Service, \
1 Guildhall Road, Northampton NN1 2BD, on behalf of NHS Northamptonshire Integrated Care \
Board. The service is the data controller for the information it holds about you.

## What information we collect
When you, your GP practice or another organisation refers you, we record:
- your name, date of birth, address, postcode, phone number and email address
- your NHS number and GP practice, if we have them
- why you were referred and what matters to you
- notes of our conversations, the goals you set and the activities you are referred to
- your answers to wellbeing questionnaires
- your sex and ethnic group, if you choose to tell us

## Why we use it and our lawful basis
We use your information to give you social prescribing support, to keep you safe, to tell \
your GP practice how it went, and to check that the service works and reaches everyone fairly.

Under the UK GDPR our lawful basis is Article 6(1)(e), a task carried out in the public \
interest, and for health information Article 9(2)(h), the provision of health or social care.

## Who we share it with
- your GP practice, so that your health record shows the support you had
- community groups you agree to be referred to: only what they need to welcome you
- the University of Northampton's evaluation team, who receive pseudonymised information \
under a data sharing agreement

We never sell your information, or use it for marketing.

## How long we keep it
We keep your record for 8 years after your last contact with us, as the NHS England \
Records Management Code of Practice sets out, and then securely destroy it.

## Your rights
You can see the information we hold about you, have it corrected, and in some cases object \
to its use or ask for it to be deleted or restricted. Email {EMAIL} or call {PHONE}.

## Our data protection officer
The Data Protection Officer, NHS Northamptonshire ICB: dpo@example.nhs.uk

## If you are unhappy
Tell us first, and we will try to put it right. You can also complain to the Information \
Commissioner's Office: https://ico.org.uk/make-a-complaint or 0303 123 1113.
"""

ACCESSIBILITY = f"""This statement applies to the social prescribing pages for Northamptonshire: \
finding an activity, referring yourself, and answering questionnaires. They are run by \
Northamptonshire Social Prescribing Service.

We want as many people as possible to be able to use them. You should be able to change \
colours and fonts, zoom in up to 400%, and use the pages with a keyboard, speech \
recognition software or a screen reader.

## How accessible these pages are
Some activity descriptions are written by community groups and may not be in plain English.

## Feedback and contact information
For information in a different format, like large print, easy read or braille, email \
{EMAIL} or call {PHONE}. We will reply within 5 working days.

## Reporting accessibility problems with these pages
If you find a problem not listed here, email {EMAIL}.

## Enforcement procedure
The Equality and Human Rights Commission (EHRC) enforces the Public Sector Bodies (Websites \
and Mobile Applications) (No. 2) Accessibility Regulations 2018. If you are not happy with \
how we respond to your complaint, contact the Equality Advisory and Support Service: \
https://www.equalityadvisoryservice.com

## Technical information about these pages' accessibility
### Compliance status
These pages are partially compliant with the Web Content Accessibility Guidelines version \
2.2 AA standard, due to the non-compliance listed below.

## Non-accessible content
Some community groups' descriptions are long or use jargon (WCAG 3.1.5, which is AAA, so \
not required). We ask groups to write plainly when we check their listings.

## Preparation of this statement
This statement was prepared on 1 March 2026. These pages are tested with axe on every page \
in our automated browser tests, and by hand with a screen reader.
"""


def fill_in(area: Area, service_name: str) -> None:
    update_public_information(
        by=None,
        area=area,
        version=0,
        service_name=service_name,
        phone=PHONE,
        email=EMAIL,
        privacy_notice=PRIVACY,
        accessibility_statement=ACCESSIBILITY,
        reviewed_on=timezone.localdate(),
    )
