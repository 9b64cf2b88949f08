"""Events and registrations for the programme's tests."""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from ecoute.programme.models import Event, Kind, Slot, Workshop


def make_event(**fields) -> Event:
    start = fields.pop("starts_at", timezone.now() + timedelta(days=30))
    values = {
        "kind": Kind.FORMATION,
        "title": "Repérage et prise en charge des soignants rendus vulnérables par leur travail",
        "theme": "Repérage",
        "city": "Lille",
        "region": "Hauts-de-France",
        "venue": "CHU de Lille",
        "starts_at": start,
        "ends_at": start + timedelta(hours=8),
        "capacity": 10,
        "published": True,
        "dpc_reference": "12345678901",
    }
    values.update(fields)
    return Event.objects.create(**values)


def make_ejades_model(starts_at) -> Event:
    """The model session of an eJADES series: one online hour, 30 places, unpublished (a model, not a session)."""
    return make_event(
        kind=Kind.EJADES,
        title="eJADES (modèle)",
        online=True,
        city="",
        venue="",
        dpc_reference="",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        published=False,
        capacity=30,
    )


def make_jades_day(workshop_places: int = 5) -> tuple[Event, list[list[Workshop]]]:
    """A JADES day with a morning and an afternoon slot of two workshops each."""
    event = make_event(kind=Kind.JADES, title="Journée JADES au CH de Rouen", city="Rouen", dpc_reference="")
    slots = []
    for hours, label in ((9, "Matin"), (14, "Après-midi")):
        slot = Slot.objects.create(
            event=event,
            label=label,
            starts_at=event.starts_at + timedelta(hours=hours - 9),
            ends_at=event.starts_at + timedelta(hours=hours - 6),
        )
        slots.append(
            [
                Workshop.objects.create(slot=slot, title=f"Sommeil ({label})", capacity=workshop_places),
                Workshop.objects.create(slot=slot, title=f"Relaxation ({label})", capacity=workshop_places),
            ]
        )
    return event, slots


def make_questions() -> None:
    """The trainings' questionnaires as migration 0003 leaves them (a transactional test empties the
    tables, data migrations' rows included): three knowledge questions, four scores and a comment."""
    from ecoute.programme.models import AnswerType, Question, QuestionPart

    if Question.objects.filter(active=True).exists():
        return
    Question.objects.bulk_create(
        [
            Question(part=QuestionPart.KNOWLEDGE, text=text, answer_type=AnswerType.SCALE, order=n)
            for n, text in enumerate(
                [
                    "Je sais reconnaître les signes d'épuisement professionnel.",
                    "Je connais les ressources d'aide et comment y orienter.",
                    "Je me sens capable d'aborder une situation de souffrance avec un·e collègue.",
                ]
            )
        ]
        + [
            Question(part=QuestionPart.SATISFACTION, text=text, answer_type=kind, order=n)
            for n, (kind, text) in enumerate(
                [
                    (AnswerType.SCALE, "La formation a répondu à mes attentes."),
                    (AnswerType.SCALE, "Je recommanderais cette formation à un·e collègue."),
                    (AnswerType.TEXT, "Vos remarques et suggestions (facultatif)."),
                ]
            )
        ]
    )


def make_two_day_training() -> tuple[Event, list[Slot]]:
    """A training in four half-days (the sign-in sheet has a column, and a PDF, for each)."""
    event = make_event()
    half_days = []
    for day in (0, 1):
        for hours, label in ((9, "matin"), (14, "après-midi")):
            start = event.starts_at + timedelta(days=day, hours=hours - 9)
            half_days.append(
                Slot.objects.create(
                    event=event,
                    label=f"Jour {day + 1}, {label}",
                    starts_at=start,
                    ends_at=start + timedelta(hours=3),
                )
            )
    Event.objects.filter(pk=event.pk).update(ends_at=half_days[-1].ends_at)
    event.refresh_from_db()
    return event, half_days


def move_to_start_in(event: Event, minutes: float, slot: Slot | None = None) -> list[Slot]:
    """Move EVENT and its slots together so that SLOT (None: the event) starts MINUTES from now (negative:
    started that long ago); registrations are made while the event is to come, then its day arrives.
    Returns the slots, moved."""
    start = slot.starts_at if slot else event.starts_at
    shift = timezone.now() + timedelta(minutes=minutes) - start
    Event.objects.filter(pk=event.pk).update(starts_at=F("starts_at") + shift, ends_at=F("ends_at") + shift)
    Slot.objects.filter(event=event).update(starts_at=F("starts_at") + shift, ends_at=F("ends_at") + shift)
    event.refresh_from_db()
    return list(event.slots.all())
