"""Who runs the social prescribing people outside the NHS see, how to reach them, and the
area's privacy notice and accessibility statement.

Which area a public page belongs to (docs/using-linkwork.md, "What the public see"):

1. the page's own record: an activity's area, a questionnaire link's referral's service, a
   self-referral once its practice (or the practice nearest its postcode) is known;
2. `?area=CODE` (the footer's links carry it from the page they are on);
3. a postcode typed on the find page: the area of the practice nearest it;
4. a signed-in member of staff's own area;
5. the installation's only area, when it has one.

Otherwise there is no area: the notices ask which area, and contact blocks point to the
person's GP practice. Pages about one person's referral name that referral's service, with
its own phone number (or the area's when the service has none); other pages name the area's
service as the administrator wrote it (or its only service).
"""

from dataclasses import dataclass
from datetime import date

from organisations.models import Area, AreaPublicInformation, Organisation

DEFAULT_PRIVACY_NOTICE = """\
[Fill in: replace every part in square brackets, then delete this line. This notice follows \
NHS England's guidance on transparency notices: say plainly who holds people's information, \
why, on what legal basis, who sees it, for how long, and what people can do about it.]

## Who we are
The social prescribing service for {area} is run by [Fill in: the organisation that runs the \
service, and its address]. It is the data controller for the information in this service: \
it decides why and how your information is used. [Fill in: any joint controllers, such as \
the integrated care board.]

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

Under the UK General Data Protection Regulation (UK GDPR), our lawful basis is Article \
6(1)(e): the task is carried out in the public interest, or in the exercise of official \
authority. For health information, the condition is Article 9(2)(h): the provision of \
health or social care, under the responsibility of a health professional or someone with \
an equivalent duty of confidentiality. [Fill in: check these with your data protection \
officer, and add any others you rely on.]

## Who we share it with
- your GP practice, so that your health record shows the support you had
- community groups and services you agree to be referred to: only what they need to \
welcome you
- [Fill in: anyone else, such as an evaluator who receives pseudonymised information \
under a data sharing agreement]

We never sell your information, or use it for marketing.

## How long we keep it
[Fill in: how long records are kept, following the NHS England Records Management Code of \
Practice, and what happens to them after that.]

## Your rights
You have the right to see the information we hold about you, to have it corrected if it \
is wrong, and in some cases to object to its use or to ask for it to be deleted or its use \
restricted. To ask, contact us: [Fill in: how to make a request].

## Our data protection officer
[Fill in: the data protection officer's name or title, email address and postal address.]

## If you are unhappy
Tell us first, and we will try to put it right. You can also complain to the Information \
Commissioner's Office (ICO): https://ico.org.uk/make-a-complaint or 0303 123 1113.
"""

DEFAULT_ACCESSIBILITY_STATEMENT = """\
[Fill in: replace every part in square brackets, then delete this line. This statement \
follows the GOV.UK model accessibility statement, which public sector websites must \
publish under the Public Sector Bodies (Websites and Mobile Applications) (No. 2) \
Accessibility Regulations 2018.]

This statement applies to the social prescribing pages for {area}: finding an activity, \
referring yourself, and answering questionnaires. They are run by [Fill in: the \
organisation that runs the service].

We want as many people as possible to be able to use them. For example, you should be able to:
- change colours, contrast levels and fonts using your browser or device settings
- zoom in up to 400% without the text spilling off the screen
- get around the pages using just a keyboard
- get around the pages using speech recognition software
- listen to the pages using a screen reader

## How accessible these pages are
[Fill in: what you know is not fully accessible, in plain words. For example: "some \
activity descriptions are written by community groups and may not be clear".]

## Feedback and contact information
If you need information on these pages in a different format, like large print, easy \
read, audio recording or braille, contact us: [Fill in: email address and phone number]. \
We will consider your request and get back to you in [Fill in: number] working days.

## Reporting accessibility problems with these pages
We are always looking to improve their accessibility. If you find any problems not listed \
here, or think we are not meeting accessibility requirements, contact [Fill in: email \
address and phone number].

## Enforcement procedure
The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public \
Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 \
(the "accessibility regulations"). If you are not happy with how we respond to your \
complaint, contact the Equality Advisory and Support Service (EASS): \
https://www.equalityadvisoryservice.com

## Technical information about these pages' accessibility
[Fill in: the organisation] is committed to making its website accessible, in accordance \
with the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility \
Regulations 2018.

### Compliance status
[Fill in: one of: "These pages are fully compliant with the Web Content Accessibility \
Guidelines version 2.2 AA standard", "partially compliant, due to the non-compliances \
listed below", or "not compliant".]

## Non-accessible content
[Fill in: the content that is not accessible, and why, under the headings "Non-compliance \
with the accessibility regulations", "Disproportionate burden" and "Content that is not \
within the scope of the accessibility regulations". If there is none, say so.]

## What we are doing to improve accessibility
[Fill in: your plans, and when you expect to finish them.]

## Preparation of this statement
This statement was prepared on [Fill in: date]. It was last reviewed on [Fill in: date].

These pages were last tested on [Fill in: date], against the WCAG 2.2 AA standard. The \
test was carried out by [Fill in: who], using [Fill in: how, such as automated checks with \
axe on every page and manual testing with a screen reader].
"""


@dataclass(frozen=True)
class PublicInformation:
    """An area's public information as pages show it: what its administrator saved, or the
    defaults (`saved` False) until they do."""

    area: Area
    service_name: str
    phone: str
    email: str
    privacy_notice: str
    accessibility_statement: str
    reviewed_on: date | None
    version: int  # 0: nothing saved yet
    saved: bool


@dataclass(frozen=True)
class Contact:
    """Who runs a public page's service, and how to reach them."""

    name: str
    phone: str
    email: str
    area: Area | None


def default_texts(area: Area) -> dict:
    return {
        "privacy_notice": DEFAULT_PRIVACY_NOTICE.replace("{area}", area.name),
        "accessibility_statement": DEFAULT_ACCESSIBILITY_STATEMENT.replace("{area}", area.name),
    }


def for_area(area: Area) -> PublicInformation:
    saved = AreaPublicInformation.objects.filter(area=area).first()
    if saved is None:
        return PublicInformation(
            area=area,
            service_name="",
            phone="",
            email="",
            reviewed_on=None,
            version=0,
            saved=False,
            **default_texts(area),
        )
    return PublicInformation(
        area=area,
        service_name=saved.service_name,
        phone=saved.phone,
        email=saved.email,
        privacy_notice=saved.privacy_notice,
        accessibility_statement=saved.accessibility_statement,
        reviewed_on=saved.reviewed_on,
        version=saved.version,
        saved=True,
    )


def icb_areas():
    return Area.objects.filter(operator=False).order_by("name")


def only_area() -> Area | None:
    """The installation's area when it has exactly one (a single ICB's installation)."""
    areas = list(icb_areas()[:2])
    return areas[0] if len(areas) == 1 else None


def area_for_request(request, *, postcode: str = "") -> Area | None:
    """The area of a public page that has no record of its own (see the module's docstring)."""
    code = (request.GET.get("area") or "").strip().upper()
    if code:
        area = icb_areas().filter(code=code).first()
        if area is not None:
            return area
    if postcode:
        from referrals.self_referral import nearest_practice

        practice = nearest_practice(postcode)
        if practice is not None:
            return practice.area
    user = request.user
    if user.is_authenticated and not user.organisation.area.operator:
        return user.organisation.area
    return only_area()


def _services(area: Area):
    return Organisation.objects.filter(
        area=area, kind=Organisation.Kind.LINK_WORKER_SERVICE, active=True
    ).order_by("created_at", "pk")


def contact(*, area: Area | None = None, service: Organisation | None = None) -> Contact | None:
    """Who to name on a public page: `service` (a person's own service) with its phone
    number, falling back to the area's; or the area's service as its administrator named
    it, falling back to its only service. None when the page has no area."""
    if service is not None:
        area = service.area
    if area is None:
        return None
    info = for_area(area)
    if service is None:
        services = list(_services(area)[:2])
        only = services[0] if len(services) == 1 else None
        name = info.service_name or (only.name if only else "")
        phone = info.phone or (only.phone if only else "")
    else:
        name, phone = service.name, service.phone or info.phone
    if not name:
        return None
    return Contact(name=name, phone=phone, email=info.email, area=area)
