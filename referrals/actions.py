"""Every change to a referral goes through here: one function per verb, the actor as `by=`,
in a transaction, with the timeline event and the audit row written inside it."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, F, Q, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core import audit
from core.errors import ActionError, ConcurrentChange
from core.models import Concept
from core.permissions import Permission, Role, require_permission
from core.working_days import add_working_days
from organisations.models import Organisation
from referrals import references
from referrals.demographics import EthnicCategory, Sex
from referrals.models import (
    ContactMethod,
    GPSharing,
    Person,
    ProviderSharing,
    Referral,
    ReferralEvent,
    SelfReferralAttempt,
)
from referrals.states import Status, check_transition

REFERRAL_RECEIVED_CONCEPT = "referral-to-social-prescribing"


@dataclass(frozen=True)
class PersonDetails:
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: object
    postcode: str
    phone: str
    email: str
    preferred_contact: str
    texts_allowed: bool = False
    emails_allowed: bool = False
    # Equality monitoring, optional (referrals.demographics); "" when not asked.
    sex: str = ""
    ethnicity: str = ""


class DuplicateReferral(ActionError):
    """The referrer's own organisation already has an open referral of the person with this
    service. Raised only then: it tells them nothing they cannot see in their own list. Anyone
    else's referral of someone already referred is taken and held for triage instead
    (`Referral.possible_duplicate_of`), so a referrer never learns of another's referral."""

    def __init__(self, existing: Referral):
        super().__init__(
            f"{existing.person.full_name} already has an open referral to {existing.service}, "
            f"received {timezone.localtime(existing.received_at):%d %B %Y}. "
            "Add anything new by contacting the service rather than referring again."
        )
        self.existing = existing


class PossibleDuplicatePerson(ActionError):
    """No NHS number was given, and the referrer's own organisation already has an open
    referral of someone with the same family name, date of birth and postcode with this
    service. Raised only then, like `DuplicateReferral`: a match on anyone else's referral is
    taken and held for triage, never mentioned (the referrer would learn the person is known)."""

    def __init__(self, existing: Referral):
        person = existing.person
        super().__init__(
            f"Your organisation already has an open referral of {person.full_name}, born "
            f"{person.date_of_birth:%-d %B %Y}, {person.postcode}, received "
            f"{timezone.localtime(existing.received_at):%-d %B %Y}. If this is them, add anything "
            "new by contacting the service rather than referring again. If this is a different "
            "person, confirm it below."
        )
        self.existing = existing


@transaction.atomic
def create_referral(
    *,
    by,
    service: Organisation,
    person: PersonDetails,
    needs,
    context: str,
    consent_to_contact: bool,
    source: str = Referral.Source.WEB_FORM,
    referring_organisation: Organisation | None = None,
    confirmed_new_person: bool = False,
    registered_practice: Organisation | None = None,
    also=None,
    retry: bool = True,
) -> Referral:
    """`registered_practice`: the person's own GP practice when someone else refers them
    (a self-referral says which it is); a practice referring is taken as theirs.

    If someone else already has an open referral of the person with the service, this one is
    taken all the same and flagged for triage as a possible duplicate: the answer to the
    referrer is the same as for any new referral.

    `also(referral)`: the caller's own writes about the new referral, in this transaction (the
    FHIR API keeps what it was sent); it returns the caller's audit row (`audit.record_change`'s
    keyword arguments), written with this action's in one INSERT.

    `retry=False`: no savepoint of its own and no second attempt when a unique constraint
    decides against this referral (see below): the IntegrityError is the caller's, which
    tries again in a new transaction. For the FHIR API, whose every referral it saves a
    savepoint (two round trips)."""
    if by is not None:
        require_permission(by, Permission.REFERRAL_CREATE)
    if not consent_to_contact:
        raise ActionError(
            "The person must agree to be contacted by the service", field="consent_to_contact"
        )
    if not needs:
        raise ActionError("Choose at least one reason for referral", field="needs")
    if service.kind != Organisation.Kind.LINK_WORKER_SERVICE:
        raise ActionError(f"{service} does not take social prescribing referrals")
    arguments = {
        "by": by,
        "service": service,
        "details": person,
        "needs": needs,
        "context": context,
        "source": source,
        "referring_organisation": referring_organisation,
        "confirmed_new_person": confirmed_new_person,
        "practice": referring_organisation
        if referring_organisation and referring_organisation.kind == Organisation.Kind.GP_PRACTICE
        else registered_practice,
        "also": also,
    }
    if not retry:
        return _create_referral(**arguments, again=False)
    try:
        with transaction.atomic():
            return _create_referral(**arguments, again=False)
    except IntegrityError:
        # Two referrals of a person new to us arrived at once and the other one's person or
        # episode was inserted first (a unique constraint decided, after it committed); or,
        # rarely, the new reference was taken. Look again: this one is now that person's
        # duplicate, or the same referrer's repeat; its reference is checked before use.
        return _create_referral(**arguments, again=True)


def _create_referral(
    *,
    by,
    service,
    details: PersonDetails,
    needs,
    context,
    source,
    referring_organisation,
    confirmed_new_person,
    practice,
    also,
    again: bool,
) -> Referral:
    area_id = service.area_id
    known = None
    if details.nhs_number:
        # Locked first, then its open referrals read: a second referral of them waits here
        # until the first commits, and then sees it.
        # At most one (unique in the area): no ORDER BY, which first() would add.
        known = next(
            iter(
                Person.objects.select_for_update().filter(
                    area_id=area_id, nhs_number=details.nhs_number
                )[:1]
            ),
            None,
        )
        same = _by_nhs_number(details.nhs_number)
        if known:
            same |= Q(person=known)
        own, duplicate_of = _open_referrals(
            service, referring_organisation, same, episode_of=[known.pk] if known else []
        )
        if own:
            raise DuplicateReferral(_whole(own))
    else:
        # No NHS number: the same family name, date of birth and postcode is only a likely
        # match (twins share all three), so it is never joined to that person's record. As
        # with an NHS number, the referrer is told only of its own organisation's open
        # referral (it can see that one; it may be someone else, so it can confirm and go
        # on); anyone else's open episode just flags this one for triage.
        matches = Person.objects.filter(
            area_id=area_id,
            date_of_birth=details.date_of_birth,
            family_name__iexact=details.family_name,
            postcode=details.postcode,
        )
        own, duplicate_of = _open_referrals(
            service, referring_organisation, Q(person__in=matches), episode_of=None
        )
        if own and not confirmed_new_person:
            raise PossibleDuplicatePerson(_whole(own))

    if duplicate_of:
        # Someone else's open episode, probably of this person. Take the referral, but keep it
        # (and what it says about them) apart from that person's record until triage decides:
        # the referrer sees only what they sent, and the episode's details stay as they are.
        subject = _new_person(area_id, details, practice, nhs_number="")
    elif known:
        subject = _update_person(known, details, practice)
    else:
        subject = _new_person(area_id, details, practice, nhs_number=details.nhs_number)

    now = timezone.now()
    # An id whose reference no referral has: the unique constraint decides (one made at the
    # same moment elsewhere with the same one loses, and create_referral tries again, then
    # checking the table first).
    pk, reference = references.new_key(
        taken=(lambda reference: Referral.objects.filter(reference=reference).exists())
        if again
        else None
    )
    referral = Referral.objects.create(
        id=pk,
        reference=reference,
        area_id=area_id,
        person=subject,
        service=service,
        source=source,
        referring_organisation=referring_organisation,
        referrer=by,
        context=context,
        consent_to_contact=True,
        received_at=now,
        status=Status.RECEIVED,
        status_changed_at=now,
        first_contact_remind_on=add_working_days(
            timezone.localdate(now), service.reminder_working_days
        ),
        first_contact_due=add_working_days(timezone.localdate(now), service.response_working_days),
        possible_duplicate_of=duplicate_of,
        referred_nhs_number=details.nhs_number if duplicate_of else "",
    )
    # A new referral has no needs yet: add them in one INSERT (`needs.set` reads first).
    needs = list({need.pk: need for need in needs}.values())
    Referral.needs.through.objects.bulk_create(
        [Referral.needs.through(referral_id=referral.pk, need_id=need.pk) for need in needs]
    )
    events = [
        ReferralEvent(
            referral=referral,
            at=now,
            by=by,
            kind=ReferralEvent.Kind.RECEIVED,
            to_status=Status.RECEIVED,
            summary=f"Referral received ({referral.get_source_display().lower()})",
            detail=", ".join(n.label for n in needs),
            # Looked up in the INSERT itself: one round trip fewer.
            concept_id=Subquery(
                Concept.objects.filter(key=REFERRAL_RECEIVED_CONCEPT).values("pk")[:1]
            ),
        )
    ]
    if duplicate_of:
        # On the open episode's timeline for its link worker (never shown to its referrer).
        events.append(
            ReferralEvent(
                referral=duplicate_of,
                at=now,
                by=by,
                kind=ReferralEvent.Kind.REFERRED_AGAIN,
                summary=f"Possibly referred again ({referral.get_source_display().lower()}): "
                "waiting at triage",
                detail=", ".join(n.label for n in needs),
            )
        )
    ReferralEvent.objects.bulk_create(events)
    changes = [
        {
            "by": by,
            "verb": "create_referral",
            "obj": referral,
            "person": subject,
            "possible_duplicate_of": str(duplicate_of.pk) if duplicate_of else "",
        }
    ]
    if also is not None:
        changes.append(also(referral))
    audit.record_changes(*changes)
    return referral


# The partial index `referral_referred_nhs_number` (WHERE referred_nhs_number <> '') serves
# a lookup by NHS number only if PostgreSQL can see that the number is not blank. With the
# values bound on the server, a prepared statement's generic plan cannot see into `= $1`,
# and fell back to reading every open referral of the service (6 ms at 10,000, growing with
# each one: bench/README.md). Written as SQL, the condition is part of every plan.
_NUMBER_GIVEN = RawSQL(
    '"referrals_referral"."referred_nhs_number" <> \'\'', (), output_field=BooleanField()
)


def _open_referrals(service, organisation, same: Q, *, episode_of) -> tuple:
    """(own, episode), in one query over the open referrals with `service` that `same`
    picks out (those of one person, or of anyone matching on details):

    own: the referrer organisation's own open referral of them (either episode of the person,
    or one it sent before that is still held as a possible duplicate), if any. Never for a
    self-referral: that could be anyone, so it is never told.

    episode: the open episode (not a referral held as a possible duplicate) of the people
    whose ids are `episode_of` (None: any that `same` picks out), if any."""
    if episode_of == [] and organisation is None:
        return None, None
    if episode_of == []:
        # Nobody's episode to find: only the organisation's own held duplicates matter.
        same &= Q(referring_organisation=organisation)
    # Usually none, so only what decides is read (a shorter statement, on every referral); a
    # person is read only for a refusal's message (fewer joins to build).
    rows = list(_open_referrals_query(service, same))
    for row in rows:
        row.service = service  # the one asked about: already in hand
    own = next(
        (r for r in rows if organisation and r.referring_organisation_id == organisation.pk),
        None,
    )
    episode = next(
        (
            r
            for r in rows
            if r.possible_duplicate_of_id is None
            and (episode_of is None or r.person_id in episode_of)
        ),
        None,
    )
    return own, episode


def _open_referrals_query(service, same: Q):
    return (
        Referral.objects.open()
        .filter(same, service=service)
        .order_by("received_at", "pk")
        .only("id", "person_id", "referring_organisation_id", "possible_duplicate_of_id")
    )


def _by_nhs_number(nhs_number: str) -> Q:
    return Q(_NUMBER_GIVEN, referred_nhs_number=nhs_number)


def _whole(row: Referral) -> Referral:
    """An open referral `_open_referrals` found, read whole for a refusal (rare), whose
    message and page show it: once, rather than field by field."""
    referral = Referral.objects.get(pk=row.pk)
    referral.service = row.service  # the one asked about: already in hand
    return referral


def _contact_fields(details: PersonDetails) -> dict:
    return {
        "given_name": details.given_name,
        "family_name": details.family_name,
        "date_of_birth": details.date_of_birth,
        "postcode": details.postcode,
        "phone": details.phone,
        "email": details.email,
        "preferred_contact": details.preferred_contact,
        "texts_allowed": details.texts_allowed and bool(details.phone),
        "emails_allowed": details.emails_allowed and bool(details.email),
        "consent_recorded_at": timezone.now(),
    }


def _about_fields(details: PersonDetails) -> dict:
    # What they told us about themselves is kept unless a new referral says otherwise.
    return {k: v for k, v in (("sex", details.sex), ("ethnicity", details.ethnicity)) if v}


def _update_person(person: Person, details: PersonDetails, practice) -> Person:
    # The newest referral carries the newest contact details.
    if person.phone != details.phone:
        person.phone_failed_at = None
    if person.email != details.email:
        person.email_failed_at = None
    for field, value in {**_contact_fields(details), **_about_fields(details)}.items():
        setattr(person, field, value)
    if practice:
        person.registered_practice = practice
    person.save()
    return person


def _new_person(area_id, details: PersonDetails, practice, *, nhs_number: str) -> Person:
    return Person.objects.create(
        area_id=area_id,
        nhs_number=nhs_number,
        registered_practice=practice,
        **_contact_fields(details),
        **_about_fields(details),
    )


@transaction.atomic
def claim(referral: Referral, version: int) -> Referral:
    """Take the referral for this change if nobody changed it since `version` was read.

    The conditional UPDATE is atomic on both databases: of two people acting on the same
    version, exactly one matches a row.
    """
    updated = Referral.objects.filter(pk=referral.pk, version=version).update(
        version=F("version") + 1
    )
    if not updated:
        raise ConcurrentChange(
            "Someone else changed this referral while you were looking at it. "
            "The page now shows the latest; check it and try again."
        )
    referral.refresh_from_db()
    return referral


@transaction.atomic
def change_status(
    referral: Referral, target: Status, *, by, at=None, summary=None, detail="", concept=None
) -> ReferralEvent:
    """Move the referral to `target` (caller holds the claim) and append the event."""
    check_transition(referral.status, target, by=by)
    at = at or timezone.now()
    previous = referral.status
    referral.status = target
    referral.status_changed_at = at
    if target in (Status.DISCHARGED, Status.DECLINED, Status.REDIRECTED):
        referral.closed_at = at
        referral.next_action = ""
        referral.next_action_due = None
    referral.save()
    return ReferralEvent.objects.create(
        referral=referral,
        at=at,
        by=by,
        kind=ReferralEvent.Kind.STATUS,
        from_status=previous,
        to_status=target,
        summary=summary or Status(target).label,
        detail=detail,
        concept=concept,
    )


@transaction.atomic
def accept_referral(*, by, referral: Referral, version: int, note: str = "") -> Referral:
    referral = claim(referral, version)
    referral.triage_note = note
    change_status(referral, Status.ACCEPTED, by=by, summary="Accepted at triage", detail=note)
    audit.record_change(by=by, verb="accept_referral", obj=referral, person=referral.person)
    return referral


@transaction.atomic
def decline_referral(
    *, by, referral: Referral, version: int, reason: str, note: str = ""
) -> Referral:
    if reason not in Referral.DeclineReason.values:
        raise ActionError("Choose why the referral is declined", field="reason")
    if reason == Referral.DeclineReason.OTHER and not note.strip():
        raise ActionError("Say why the referral is declined", field="note")
    referral = claim(referral, version)
    referral.decline_reason = reason
    referral.triage_note = note
    change_status(
        referral,
        Status.DECLINED,
        by=by,
        summary=f"Declined at triage: {Referral.DeclineReason(reason).label}",
        detail=note,
    )
    audit.record_change(
        by=by, verb="decline_referral", obj=referral, person=referral.person, reason=reason
    )
    episode = referral.possible_duplicate_of
    if reason == Referral.DeclineReason.DUPLICATE and episode and episode.is_open:
        # Merged: what the second referral said goes onto the open episode's timeline.
        ReferralEvent.objects.create(
            referral=episode,
            at=timezone.now(),
            by=by,
            kind=ReferralEvent.Kind.REFERRED_AGAIN,
            summary="Second referral merged in: "
            f"{referral.referring_organisation or referral.get_source_display()}, "
            f"received {timezone.localtime(referral.received_at):%d %B %Y}",
            detail="\n".join(
                part
                for part in (", ".join(n.label for n in referral.needs.all()), referral.context)
                if part
            ),
        )
        audit.record_change(
            by=by,
            verb="merge_duplicate_referral",
            obj=episode,
            person=episode.person,
            duplicate=str(referral.pk),
        )
    return referral


@transaction.atomic
def redirect_referral(
    *, by, referral: Referral, version: int, redirected_to: str, note: str = ""
) -> Referral:
    if not redirected_to.strip():
        raise ActionError("Say which service the person is redirected to", field="redirected_to")
    referral = claim(referral, version)
    referral.redirected_to = redirected_to.strip()
    referral.triage_note = note
    change_status(
        referral,
        Status.REDIRECTED,
        by=by,
        summary=f"Redirected to {referral.redirected_to}",
        detail=note,
    )
    audit.record_change(by=by, verb="redirect_referral", obj=referral, person=referral.person)
    return referral


@transaction.atomic
def allocate_referral(*, by, referral: Referral, version: int, worker) -> Referral:
    """Allocate (accepting first if still in triage) or reallocate to another link worker."""
    require_permission(by, Permission.ALLOCATE)
    if (
        worker.organisation_id != referral.service_id
        or worker.role != Role.LINK_WORKER
        or not worker.is_active
    ):
        raise ActionError("Choose a link worker in this service", field="worker")
    referral = claim(referral, version)
    now = timezone.now()
    previous = referral.allocated_to
    if referral.status == Status.RECEIVED:
        change_status(referral, Status.ACCEPTED, by=by, at=now, summary="Accepted at triage")
    if referral.status == Status.ACCEPTED:
        referral.allocated_to = worker
        referral.allocated_at = now
        change_status(
            referral, Status.ALLOCATED, by=by, at=now, summary=f"Allocated to {worker.full_name}"
        )
    elif referral.status in (Status.ALLOCATED, Status.ACTIVE):
        if previous == worker:
            raise ActionError(f"{worker.full_name} already holds this case", field="worker")
        referral.allocated_to = worker
        referral.allocated_at = now
        ReferralEvent.objects.create(
            referral=referral,
            at=now,
            by=by,
            kind=ReferralEvent.Kind.ALLOCATED,
            summary=f"Reallocated from {previous.full_name} to {worker.full_name}",
        )
    else:
        check_transition(referral.status, Status.ALLOCATED, by=by)  # raises with the reason
    schedule_next_action(referral)
    referral.save()
    audit.record_change(
        by=by, verb="allocate_referral", obj=referral, person=referral.person, worker=worker.pk
    )
    return referral


@transaction.atomic
def schedule_next_action(referral: Referral) -> None:
    """Derive the caseload's "next action" from the episode's state (caller saves)."""
    if referral.status == Status.ALLOCATED:
        referral.next_action = "First contact"
        referral.next_action_due = timezone.localdate(referral.allocated_at) + timedelta(
            days=referral.service.first_contact_target_days
        )
    elif referral.status == Status.ACTIVE:
        follow_up = (
            referral.contacts.filter(next_follow_up_on__isnull=False)
            .order_by("-occurred_at", "-created_at")
            .values_list("next_follow_up_on", flat=True)
            .first()
        )
        referral.next_action = "Follow-up" if follow_up else "Book a follow-up"
        referral.next_action_due = follow_up
    else:
        referral.next_action = ""
        referral.next_action_due = None


@transaction.atomic
def record_about(*, by, referral: Referral, sex: str, ethnicity: str) -> Person:
    """Equality monitoring, as the person chose to answer: optional, "prefer not to say"
    recorded as such. Used only in aggregate (the equity figures)."""
    require_permission(by, Permission.CASE_WORK)
    if sex and sex not in Sex.values:
        raise ActionError("Choose one of the options for sex", field="sex")
    if ethnicity and ethnicity not in EthnicCategory.values:
        raise ActionError("Choose one of the ethnic groups listed", field="ethnicity")
    person = Person.objects.select_for_update().get(pk=referral.person_id)
    person.sex, person.ethnicity = sex, ethnicity
    person.save(update_fields=["sex", "ethnicity"])
    ReferralEvent.objects.create(
        referral=referral,
        at=timezone.now(),
        by=by,
        kind=ReferralEvent.Kind.ABOUT,
        summary="About them updated (equality monitoring)",
    )
    audit.record_change(by=by, verb="record_about", obj=person, person=person)
    return person


@transaction.atomic
def record_consent(
    *,
    by,
    referral: Referral,
    texts_allowed: bool,
    emails_allowed: bool,
    share_with_providers: str,
    share_with_gp: str,
    research_allowed: bool,
) -> Person:
    """The person's choices, as they told their link worker. They apply at once everywhere:
    queued texts and emails are checked again before they go."""
    require_permission(by, Permission.CASE_WORK)
    person = Person.objects.select_for_update().get(pk=referral.person_id)
    if texts_allowed and not person.phone:
        raise ActionError("Add a mobile number before agreeing to texts", field="texts_allowed")
    if emails_allowed and not person.email:
        raise ActionError("Add an email address before agreeing to emails", field="emails_allowed")
    if share_with_providers not in ProviderSharing.values:
        raise ActionError("Choose what providers may see", field="share_with_providers")
    if share_with_gp not in GPSharing.values:
        raise ActionError("Choose what goes back to the GP", field="share_with_gp")
    now = timezone.now()
    person.texts_allowed = texts_allowed
    person.emails_allowed = emails_allowed
    person.share_with_providers = share_with_providers
    person.share_with_gp = share_with_gp
    person.research_allowed = research_allowed
    person.consent_recorded_at = now
    person.save()
    choices = [
        f"texts {'yes' if texts_allowed else 'no'}",
        f"emails {'yes' if emails_allowed else 'no'}",
        f"providers see: {ProviderSharing(share_with_providers).label.lower()}",
        f"GP gets: {GPSharing(share_with_gp).label.lower()}",
        f"research {'yes' if research_allowed else 'no'}",
    ]
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        by=by,
        kind=ReferralEvent.Kind.CONSENT,
        summary="Consent and sharing recorded",
        detail="; ".join(choices),
    )
    audit.record_change(by=by, verb="record_consent", obj=person, person=person)
    return person


@transaction.atomic
def correct_contact_details(
    *, by, referral: Referral, phone: str, email: str, preferred_contact: str
) -> Person:
    """New or corrected phone and email. A detail Notify could not deliver to is trusted
    again once it has changed."""
    require_permission(by, Permission.CASE_WORK)
    person = Person.objects.select_for_update().get(pk=referral.person_id)
    if preferred_contact not in ContactMethod.values:
        raise ActionError("Choose how they would like to be contacted", field="preferred_contact")
    if preferred_contact in (ContactMethod.PHONE, ContactMethod.TEXT) and not phone:
        raise ActionError("Enter a phone number, or choose another way", field="phone")
    if preferred_contact == ContactMethod.EMAIL and not email:
        raise ActionError("Enter an email address, or choose another way", field="email")
    changed = []
    if phone != person.phone:
        person.phone, person.phone_failed_at = phone, None
        person.texts_allowed = person.texts_allowed and bool(phone)
        changed.append("phone")
    if email != person.email:
        person.email, person.email_failed_at = email, None
        person.emails_allowed = person.emails_allowed and bool(email)
        changed.append("email")
    if preferred_contact != person.preferred_contact:
        person.preferred_contact = preferred_contact
        changed.append("preferred contact")
    if not changed:
        raise ActionError("Nothing has changed")
    person.save()
    ReferralEvent.objects.create(
        referral=referral,
        at=timezone.now(),
        by=by,
        kind=ReferralEvent.Kind.CONTACT_DETAILS,
        summary="Contact details updated: " + ", ".join(changed),
    )
    audit.record_change(by=by, verb="correct_contact_details", obj=person, person=person)
    return person


@transaction.atomic
def note_self_referral_attempt(*, address_hash: str) -> None:
    """Count a self-referral form sent from an address (rate limiting); forget old counts."""
    now = timezone.now()
    SelfReferralAttempt.objects.create(address_hash=address_hash, at=now)
    SelfReferralAttempt.objects.filter(at__lt=now - timedelta(days=1)).delete()


@transaction.atomic
def upload_referrals(*, by, filename: str, content: str):
    """Keep the file and queue it for checking in the background."""
    from referrals.models import BulkUpload
    from referrals.tasks import process_bulk_upload

    require_permission(by, Permission.REFERRAL_CREATE)
    upload = BulkUpload.objects.create(
        organisation=by.organisation, uploaded_by=by, filename=filename[:200], content=content
    )
    process_bulk_upload.enqueue(str(upload.pk))
    audit.record_change(by=by, verb="upload_referrals", obj=upload)
    return upload
