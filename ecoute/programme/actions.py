"""The only module that changes a registration: the programme's rules in one place.

    register ──▶ registered ──confirm──▶ confirmed ──attend──▶ attended
        │            │  ▲                    │                    ▲ │
        │            │  └──────── no-show ◀──┴────────────────────┘ ▼ no_show
        ▼            ▼
     waiting ──offer──▶ offered ──accept──▶ confirmed          any active ──cancel──▶ cancelled

Capacity: an event's places (Event.place_limit: capacity, plus the overbooking rate of a free event)
are held by its registrations in HOLDING_STATES. Every action that takes or frees a place first
locks the event's row (SELECT … FOR UPDATE), so concurrent registrations are counted one after the
other and the limit is never passed; a freed place is offered at once to the first on the waiting
list, with a deadline, then to the next when it lapses.

Each state change is a conditional UPDATE on the expected states: a replayed or concurrent action
changes nothing and raises IllegalTransition. E-mails are rows of the outbox (mail.py), written in
the same transaction, sent by the worker.
"""

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext

from . import mail, survey
from .models import (
    ACTIVE_STATES,
    HOLDING_STATES,
    Event,
    Kind,
    MailKind,
    Member,
    OutboxMessage,
    Registration,
    Signature,
    Slot,
    State,
    Workshop,
    WorkshopChoice,
)

logger = logging.getLogger(__name__)

# The only legal moves: target state -> the states it can be reached from.
TRANSITIONS = {
    State.OFFERED: (State.WAITING,),
    State.CONFIRMED: (State.REGISTERED, State.OFFERED),
    State.ATTENDED: (State.REGISTERED, State.CONFIRMED, State.NO_SHOW),
    State.NO_SHOW: (State.REGISTERED, State.CONFIRMED, State.ATTENDED),
    State.CANCELLED: (State.WAITING, State.OFFERED, State.REGISTERED, State.CONFIRMED),
}
# A person on the waiting list who is offered a freed place has this long to take it.
OFFER_HOURS = 24
# Those asked to confirm their venue (J-2, free events) have this long before their place may go.
CONFIRM_HOURS = 24
CONFIRM_ASK_BEFORE = timedelta(days=2)
REMINDERS_BEFORE = (timedelta(days=7), timedelta(days=1))
# How long a sent (or abandoned) e-mail stays in the outbox (docs/retention.md).
SENT_MAIL_KEPT = timedelta(days=30)
JOIN_LINK_BEFORE = timedelta(hours=1)
SURVEY_BEFORE_AT = timedelta(days=7)
# A half-day's sign-in sheet opens this long before it starts (people arrive early), and closes at
# the end of that day, Paris time (signing_window).
SIGNING_OPENS_BEFORE = timedelta(minutes=30)


class RegistrationError(Exception):
    """A registration that cannot happen; the message is fit to show to the person who tried."""

    code = "error"


class EventClosed(RegistrationError):
    code = "closed"


class AlreadyRegistered(RegistrationError):
    code = "duplicate"


class WorkshopProblem(RegistrationError):
    code = "workshop"


class IllegalTransition(RegistrationError):
    code = "illegal"


class AlreadySigned(RegistrationError):
    code = "signed"


class SigningClosed(RegistrationError):
    """A half-day signed outside its window (signing_window)."""

    code = "signing_closed"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _locked_event(event_id) -> Event:
    """The event, its row locked until the end of the transaction: places are counted one at a time."""
    return Event.objects.select_for_update().get(pk=event_id)


def _move(registration_id, target: str, where: dict | None = None, **fields) -> None:
    """Move the registration to TARGET from one of its legal sources, or raise with nothing changed."""
    moved = Registration.objects.filter(
        pk=registration_id, state__in=TRANSITIONS[target], **(where or {})
    ).update(state=target, **fields)
    if not moved:
        current = Registration.objects.filter(pk=registration_id).values_list("state", flat=True).first()
        if current is None:
            raise IllegalTransition(gettext("Cette inscription n'existe plus."))
        raise IllegalTransition(
            gettext("Cette inscription est « %(current)s » : elle ne peut pas devenir « %(target)s ».")
            % {"current": State(current).label, "target": State(target).label}
        )
    logger.info("registration %s is now %s", registration_id, target)  # ids and states only


def places_held(event: Event) -> int:
    return event.registrations.filter(state__in=HOLDING_STATES).count()


def places_left(event: Event) -> int:
    """Places a visitor may still take (the capacity shown, not the overbooking)."""
    return max(0, event.capacity - places_held(event))


def check_open(event: Event, now=None) -> None:
    now = now or timezone.now()
    if not event.published:
        raise EventClosed(gettext("Cet événement n'est pas ouvert aux inscriptions."))
    if event.is_cancelled:
        raise EventClosed(gettext("Cet événement a été annulé."))
    if event.starts_at <= now:
        raise EventClosed(
            gettext("Cet événement a déjà commencé ou est passé : les inscriptions sont closes.")
        )


def price_for(event: Event, email: str, member_code: str = "") -> tuple[bool, object]:
    """(is a member this year, what is due): free events cost nothing, members pay nothing where the event says so."""
    [price] = prices_for(event, [(email, member_code)])
    return price


def prices_for(event: Event, people: list[tuple[str, str]]) -> list[tuple[bool, object]]:
    """price_for of each (normalised e-mail, member code), in two queries whatever their number.

    A batch of a thousand registrations once asked the members' table a thousand times, inside the
    transaction that everyone else registering for the event was waiting on.
    """
    year = timezone.localtime(event.starts_at).year
    members = Member.objects.filter(year__in=(year, year - 1))
    emails = {email for email, _ in people}
    codes = {code.strip().upper() for _, code in people if code.strip()}
    member_emails = set(
        members.annotate(lower_email=Lower("email"))
        .filter(lower_email__in=emails)
        .values_list("lower_email", flat=True)
    )
    member_codes = set()
    if codes:
        member_codes = set(
            members.annotate(upper_code=Upper("code"))
            .filter(upper_code__in=codes)
            .values_list("upper_code", flat=True)
        )
    prices = []
    for email, code in people:
        is_member = email in member_emails or code.strip().upper() in member_codes
        free = event.is_free or (is_member and event.free_for_members)
        prices.append((is_member, 0 if free else event.price))
    return prices


def _slots_with_workshops(event: Event) -> set[int]:
    return set(event.slots.filter(workshops__isnull=False).values_list("pk", flat=True))


def _check_workshops(
    event: Event, workshop_ids: list[int], pending=(), slots_with_workshops: set[int] | None = None
) -> list[Workshop]:
    """One workshop in every slot that offers some, each with a place left (waiting registrants count,
    and the PENDING choices of this batch not yet written). SLOTS_WITH_WORKSHOPS: known by the caller."""
    if slots_with_workshops is None:
        slots_with_workshops = _slots_with_workshops(event)
    if not workshop_ids and not slots_with_workshops:
        return []
    chosen = list(Workshop.objects.select_for_update().filter(pk__in=workshop_ids, slot__event=event))
    if len(chosen) != len(set(workshop_ids)):
        raise WorkshopProblem(gettext("Un des ateliers choisis n'existe pas pour cet événement."))
    chosen_slots = [workshop.slot_id for workshop in chosen]
    if len(chosen_slots) != len(set(chosen_slots)) or set(chosen_slots) != slots_with_workshops:
        raise WorkshopProblem(gettext("Choisissez un atelier, et un seul, pour chaque créneau."))
    for workshop in chosen:
        taken = workshop.choices.filter(registration__state__in=ACTIVE_STATES).count()
        taken += sum(1 for choice in pending if choice.workshop.pk == workshop.pk)
        if taken >= workshop.capacity:
            raise WorkshopProblem(
                gettext("L'atelier « %(title)s » est complet : choisissez-en un autre.")
                % {"title": workshop.title}
            )
    return chosen


@dataclass
class Application:
    """What one person typed in the registration form."""

    email: str
    name: str = ""
    profession_id: int | None = None
    rpps: str = ""
    dpc_enrolled: bool = False
    accessibility: str = ""
    member_code: str = ""
    language: str = "fr"
    workshop_ids: list[int] = field(default_factory=list)


def register(event_id, **fields) -> Registration:
    """Register one person (see register_many), or raise the RegistrationError that says why not."""
    [outcome] = register_many(event_id, [Application(**fields)])
    if isinstance(outcome, RegistrationError):
        raise outcome
    return outcome


@transaction.atomic
def register_many(event_id, applications: list[Application]) -> list[Registration | RegistrationError]:
    """Register people in the order given, each on a place or on the waiting list; one outcome each.

    1. Work out everyone's price (members, in two queries) before taking the lock: it does not depend
       on places.
    2. Lock the event's row: every other registration for it now waits for this transaction.
    3. Refuse them all if the event is closed (unpublished, cancelled, started); refuse anyone
       already registered (or twice in this batch), or whose workshops are wrong or full.
    4. Give places in order while fewer than place_limit are held; the others join the waiting list.
    5. Write the registrations, then their e-mails (confirmation with the calendar file, or waiting
       list; reminders), in as few statements as there are kinds of rows.

    Several people at once (views.register_together gathers those who arrive while a batch is being
    written) share one lock and one commit: on a disk where a commit costs 5 ms, one at a time
    capped a popular event at about 100 registrations a second.
    """
    now = timezone.now()
    event = Event.objects.get(pk=event_id)
    emails = [normalise_email(a.email) for a in applications]
    prices = prices_for(event, [(email, a.member_code) for email, a in zip(emails, applications)])
    event = _locked_event(event_id)
    try:
        check_open(event, now)
    except EventClosed as closed:
        return [closed] * len(applications)
    slots_with_workshops = _slots_with_workshops(event)
    taken = set(
        event.registrations.filter(email__in=emails, state__in=ACTIVE_STATES).values_list("email", flat=True)
    )
    held = places_held(event)
    outcomes: list[Registration | RegistrationError] = []
    choices = []
    for application, email, (is_member, due) in zip(applications, emails, prices):
        if email in taken:
            outcomes.append(
                AlreadyRegistered(
                    gettext(
                        "Cette adresse est déjà inscrite à cet événement : voyez le lien reçu par e-mail."
                    )
                )
            )
            continue
        try:
            workshops = _check_workshops(
                event, application.workshop_ids, pending=choices, slots_with_workshops=slots_with_workshops
            )
        except WorkshopProblem as problem:
            outcomes.append(problem)
            continue
        taken.add(email)
        holds = held < event.place_limit
        held += holds
        registration = Registration(
            event=event,
            state=State.REGISTERED if holds else State.WAITING,
            email=email,
            name=application.name.strip(),
            profession_id=application.profession_id,
            rpps=application.rpps.strip(),
            dpc_enrolled=application.dpc_enrolled and event.kind == Kind.FORMATION,
            accessibility=application.accessibility.strip(),
            language=application.language,
            member=is_member,
            price_due=due,
            registered_at=now,
        )
        choices += [
            WorkshopChoice(registration=registration, slot_id=w.slot_id, workshop=w) for w in workshops
        ]
        outcomes.append(registration)
    created = [outcome for outcome in outcomes if isinstance(outcome, Registration)]
    try:
        Registration.objects.bulk_create(created)
    except IntegrityError:  # the unique constraint, should the lock ever be bypassed
        raise AlreadyRegistered(gettext("Cette adresse est déjà inscrite à cet événement.")) from None
    for choice in choices:
        choice.registration_id = choice.registration.pk
    WorkshopChoice.objects.bulk_create(choices)
    questionnaires = survey.has_questionnaires(event)  # asked once for the batch
    OutboxMessage.objects.bulk_create(
        message for registration in created for message in _first_mails(registration, now, questionnaires)
    )
    return outcomes


def _first_mails(registration: Registration, now, questionnaires: bool) -> list[OutboxMessage]:
    if registration.state == State.WAITING:
        return [mail.message(registration, MailKind.WAITING, now)]
    return [
        mail.message(registration, MailKind.CONFIRMATION, now),
        *_reminders(registration, now, questionnaires),
    ]


def _reminders(registration: Registration, now, questionnaires: bool | None = None) -> list[OutboxMessage]:
    """J-7 and J-1 reminders, the join link at H-1 online, the J-2 confirmation request of a free event.

    Each is an outbox row due at its time; one whose time has passed is not written (but the join
    link of someone registering in the last hour goes at once). The worker
    drops any of them whose registration no longer holds a place when it falls due. QUESTIONNAIRES:
    whether the event has its trainings' questionnaires, when the caller knows it already.
    """
    start = registration.event.starts_at
    due = [(MailKind.REMINDER, start - before) for before in REMINDERS_BEFORE]
    if registration.event.online:
        # Registering within the last hour still brings the link, at once.
        due.append((MailKind.JOIN_LINK, max(start - JOIN_LINK_BEFORE, now + timedelta(microseconds=1))))
    if registration.event.is_free and registration.state == State.REGISTERED:
        due.append((MailKind.CONFIRM_ASK, start - CONFIRM_ASK_BEFORE))
    if questionnaires is None:
        questionnaires = survey.has_questionnaires(registration.event)
    if questionnaires:
        # The questionnaire before at J-7 (at once when registering later), the one after at the end.
        due.append((MailKind.SURVEY_BEFORE, max(start - SURVEY_BEFORE_AT, now + timedelta(microseconds=1))))
        due.append((MailKind.SURVEY_AFTER, registration.event.ends_at))
    return [mail.message(registration, kind, at) for kind, at in due if at > now]


@transaction.atomic
def confirm(registration_id) -> None:
    """The registrant says they will come (the J-2 e-mail's button), or takes the place offered."""
    now = timezone.now()
    registration = Registration.objects.select_related("event").get(pk=registration_id)
    if registration.state == State.CONFIRMED:
        return  # a second click on the same button: already done, nothing to say
    _locked_event(registration.event_id)
    if registration.state == State.OFFERED:
        if registration.offer_expires_at <= now:
            raise IllegalTransition(gettext("Le délai pour accepter cette place est passé."))
        _move(registration_id, State.CONFIRMED, where={"offer_expires_at__gt": now}, offer_expires_at=None)
        registration.refresh_from_db()
        OutboxMessage.objects.bulk_create(
            [mail.message(registration, MailKind.CONFIRMATION, now), *_reminders(registration, now)]
        )
        return
    _move(registration_id, State.CONFIRMED)


@transaction.atomic
def cancel(registration_id, *, notify: bool = True) -> None:
    """The registrant gives their place up (one-click link) or leaves the waiting list.

    The place freed is offered at once to the first on the waiting list.
    """
    registration = Registration.objects.get(pk=registration_id)
    event = _locked_event(registration.event_id)
    _move(registration_id, State.CANCELLED, offer_expires_at=None)
    if notify:
        mail.queue(registration, MailKind.CANCELLED, timezone.now())
    offer_free_places(event)


def offer_free_places(event: Event, now=None) -> int:
    """Offer every free place to the next on the waiting list, in order of registration; the event is locked.

    An offer lasts OFFER_HOURS, and never past the event's start.
    """
    now = now or timezone.now()
    if event.is_cancelled or event.starts_at <= now:
        return 0
    free = event.place_limit - places_held(event)
    offered = 0
    for registration in event.registrations.filter(state=State.WAITING).order_by("registered_at", "pk")[
        : max(free, 0)
    ]:
        expires = min(now + timedelta(hours=OFFER_HOURS), event.starts_at)
        _move(registration.pk, State.OFFERED, offer_expires_at=expires)
        mail.queue(registration, MailKind.OFFER, now)
        offered += 1
    return offered


@transaction.atomic
def attend(registration_id) -> None:
    """Staff: the person signed the sheet (or checked in)."""
    _move(registration_id, State.ATTENDED)


def signing_window(event: Event, slot: Slot | None) -> tuple[datetime, datetime]:
    """When the sheet of a half-day (SLOT; None: the whole of an event without slots) can be signed.

    From SIGNING_OPENS_BEFORE its start until the end of its day in Paris (the end of the event's last
    day for an event without slots): a signature says that the person was there that day, so it is
    made there, not the day before nor a week after.
    """
    paris = timezone.get_default_timezone()  # settings.TIME_ZONE, Europe/Paris
    start = slot.starts_at if slot else event.starts_at
    last_day = timezone.localdate(slot.starts_at if slot else event.ends_at, paris)
    closes = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=paris)
    return start - SIGNING_OPENS_BEFORE, closes


def check_signing(event: Event, slot: Slot | None, *, drawn: bool, now=None) -> None:
    """Raise SigningClosed, saying why and when, if the half-day cannot be signed at NOW.

    A signature (DRAWN) only in the half-day's window. Staff noting someone present without a
    signature: not before the window either (nobody is present at a half-day to come), but after it,
    yes: a sheet is corrected after the day.
    """
    now = now or timezone.now()
    opens, closes = signing_window(event, slot)
    what = (
        gettext("la demi-journée « %(label)s »") % {"label": slot.label} if slot else gettext("cet événement")
    )
    if now < opens:
        local = timezone.localtime(opens, timezone.get_default_timezone())
        raise SigningClosed(
            gettext(
                "Trop tôt pour émarger %(what)s : la feuille s'ouvre le %(date)s à %(time)s, "
                "30 minutes avant le début. Rien n'a été enregistré."
            )
            % {"what": what, "date": local.strftime("%d/%m/%Y"), "time": local.strftime("%H:%M")}
        )
    if drawn and now >= closes:
        last = timezone.localtime(closes, timezone.get_default_timezone()) - timedelta(days=1)
        raise SigningClosed(
            gettext(
                "La signature de %(what)s n'est plus possible : la feuille s'est fermée à la fin du "
                "%(date)s. Rien n'a été enregistré ; l'équipe peut noter la présence sans signature."
            )
            % {"what": what, "date": last.strftime("%d/%m/%Y")}
        )


@transaction.atomic
def sign(registration_id, slot_id, path: str, noted_by=None, now=None) -> Signature:
    """The person signed the sheet of a half-day (PATH empty: NOTED_BY, of the staff, noted them present,
    unable to sign), within the half-day's window (check_signing) or SigningClosed with nothing stored."""
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().select_related("event").get(pk=registration_id)
    slot = registration.event.slots.get(pk=slot_id) if slot_id else None
    check_signing(registration.event, slot, drawn=bool(path), now=now)
    if registration.signatures.filter(slot_id=slot_id).exists():
        raise AlreadySigned(
            gettext("%(name)s a déjà signé pour cette demi-journée.")
            % {"name": registration.name or registration.email}
        )
    if registration.state != State.ATTENDED:
        _move(registration_id, State.ATTENDED)
    return Signature.objects.create(
        registration=registration,
        slot_id=slot_id,
        path=path,
        noted_by=None if path else noted_by,
        signed_at=now,
    )


@transaction.atomic
def remove_signature(signature_id) -> Signature:
    """Staff: a signature made by mistake goes. The person stays present if another half-day is signed
    or they joined the online session; otherwise they are absent again, as nothing proves they came."""
    registration_id = Signature.objects.values_list("registration_id", flat=True).get(pk=signature_id)
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    # Read again under the lock: a second click removed it meanwhile -> Signature.DoesNotExist.
    signature = registration.signatures.get(pk=signature_id)
    signature.delete()
    still_proved = registration.signatures.exists() or registration.joined_at is not None
    if registration.state == State.ATTENDED and not still_proved:
        _move(registration.pk, State.NO_SHOW)
    return signature


@transaction.atomic
def record_join(registration_id, now=None) -> None:
    """An online session's join link was followed: the person attended; the first time and the count are kept."""
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    if registration.state != State.ATTENDED:
        _move(registration_id, State.ATTENDED)
    Registration.objects.filter(pk=registration_id).update(
        joined_at=registration.joined_at or now, joins=F("joins") + 1
    )


@transaction.atomic
def no_show(registration_id) -> None:
    """Staff: the person did not come (or was ticked by mistake)."""
    _move(registration_id, State.NO_SHOW)


# --- What the worker does on its own (worker.py) --------------------------------------------------


def expire_offers(now=None) -> int:
    """Offers whose deadline passed are withdrawn, and the place goes to the next person."""
    now = now or timezone.now()
    lapsed = 0
    for event_id in set(
        Registration.objects.filter(state=State.OFFERED, offer_expires_at__lte=now).values_list(
            "event_id", flat=True
        )
    ):
        with transaction.atomic():
            event = _locked_event(event_id)
            for registration in event.registrations.filter(state=State.OFFERED, offer_expires_at__lte=now):
                _move(registration.pk, State.CANCELLED, offer_expires_at=None)
                lapsed += 1
            offer_free_places(event, now)
    return lapsed


def release_unconfirmed(now=None) -> int:
    """Free events: places of those asked to confirm who did not within CONFIRM_HOURS go to the waiting list.

    Only as many as people are waiting (nobody loses a place that nobody else wants), latest
    registrations first.
    """
    now = now or timezone.now()
    released = 0
    cutoff = now - timedelta(hours=CONFIRM_HOURS)
    events = Registration.objects.filter(
        state=State.REGISTERED, confirm_asked_at__lte=cutoff, event__starts_at__gt=now
    ).values_list("event_id", flat=True)
    for event_id in set(events):
        with transaction.atomic():
            event = _locked_event(event_id)
            waiting = event.registrations.filter(state=State.WAITING).count()
            free = max(event.place_limit - places_held(event), 0)
            unconfirmed = event.registrations.filter(state=State.REGISTERED, confirm_asked_at__lte=cutoff)
            for registration in unconfirmed.order_by("-registered_at", "-pk")[: max(waiting - free, 0)]:
                _move(registration.pk, State.CANCELLED)
                mail.queue(registration, MailKind.CANCELLED, now)
                released += 1
            offer_free_places(event, now)
    return released


# --- Staff -------------------------------------------------------------------------------------


@transaction.atomic
def cancel_event(event_id) -> int:
    """Cancel an event: every active registration is cancelled and told, with a calendar cancel."""
    now = timezone.now()
    event = _locked_event(event_id)
    if event.is_cancelled:
        raise IllegalTransition(gettext("Cet événement est déjà annulé."))
    Event.objects.filter(pk=event.pk).update(cancelled_at=now, published=False)
    told = 0
    for registration in event.registrations.filter(state__in=TRANSITIONS[State.CANCELLED]):
        _move(registration.pk, State.CANCELLED, offer_expires_at=None)
        mail.queue(registration, MailKind.EVENT_CANCELLED, now)
        told += 1
    return told


@transaction.atomic
def issue_certificate(registration_id) -> Registration:
    """An attendance certificate for someone who attended: its short code, and the e-mail with the PDF."""
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    if registration.state != State.ATTENDED:
        raise IllegalTransition(gettext("Une attestation n'est délivrée qu'à une personne présente."))
    if not registration.certificate_code:
        registration.certificate_code = new_certificate_code()
        registration.save(update_fields=["certificate_code"])
    mail.queue(registration, MailKind.CERTIFICATE, timezone.now())
    return registration


# No 0/O or 1/I/L: the code is read aloud and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_certificate_code() -> str:
    """Ten characters of a 31-letter alphabet (about 50 bits): short to type, not to be guessed."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


@transaction.atomic
def message_participants(event_id, subject: str, body: str) -> int:
    """Staff: one e-mail to everyone holding a place at the event."""
    now = timezone.now()
    registrations = Registration.objects.filter(event_id=event_id, state__in=HOLDING_STATES)
    for registration in registrations:
        mail.queue(registration, MailKind.MESSAGE, now, subject=subject, body=body)
    return len(registrations)


# --- Retention ---------------------------------------------------------------------------------


def purge(now=None) -> dict[str, int]:
    """docs/retention.md: registrants' data goes after the event, attendance after the proof period.

    Registrations of people who did not attend go ECOUTE_PROGRAMME_RETENTION_DAYS after the event's
    end; those who attended are kept ECOUTE_PROGRAMME_ATTENDANCE_DAYS (the proof of attendance that
    DPC and Qualiopi ask for, and the certificate's verification), with their sign-in sheet's
    signatures. Sent e-mails go after 30 days.
    The trainings' questionnaires are kept as long as the proof of attendance (survey.purge).
    """
    now = now or timezone.now()
    done = {}
    old = now - timedelta(days=settings.ECOUTE_PROGRAMME_RETENTION_DAYS)
    absent = Registration.objects.filter(event__ends_at__lt=old).exclude(state=State.ATTENDED).delete()[1]
    done["registrations"] = absent.get("programme.Registration", 0)
    proof = now - timedelta(days=settings.ECOUTE_PROGRAMME_ATTENDANCE_DAYS)
    attended = Registration.objects.filter(event__ends_at__lt=proof).delete()[1]
    done["attendances"] = attended.get("programme.Registration", 0)
    # The sheet's signatures go with their registrations (a person ticked absent after signing: 90 days).
    done["signatures"] = absent.get("programme.Signature", 0) + attended.get("programme.Signature", 0)
    done["sent_mails"] = mail.forget_sent(now - SENT_MAIL_KEPT)
    done["questionnaires"] = survey.purge(now)
    return done
