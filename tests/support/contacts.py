"""The contacts cast: staff of every role, answered calls, and records with coded fields."""

import hashlib
import uuid
from datetime import timedelta
from itertools import count

from django.utils import timezone

from ecoute.accounts.models import User
from ecoute.calls.models import Call, CallState
from ecoute.contacts import actions, models
from ecoute.contacts.taxonomy_defaults import DEFAULTS
from tests.support.cast import PASSWORD

_numbers = count(1)


def ensure_taxonomies() -> None:
    """Transactional tests empty every table, the seeded taxonomies included: put them back."""
    for model_name, terms in DEFAULTS.items():
        model = getattr(models, model_name)
        if not model.objects.exists():
            model.objects.bulk_create(
                [model(code=code, label=label, position=i) for i, (code, label) in enumerate(terms)]
            )


def make_staff(role: str, name: str = "") -> User:
    return User.objects.create_user(
        username=f"{name or role}{next(_numbers)}", password=PASSWORD, role=role, first_name=name
    )


def caller_key_hash(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def make_call(
    psychologist,
    caller: str = "",
    minutes: int = 12,
    ago: timedelta = timedelta(minutes=20),
    state=CallState.ENDED,
) -> Call:
    answered = timezone.now() - ago
    return Call.objects.create(
        id=uuid.uuid4(),
        state=state,
        psychologist=psychologist,
        caller_key_hash=caller_key_hash(caller) if caller else "",
        requested_at=answered - timedelta(seconds=5),
        ringing_at=answered - timedelta(seconds=4),
        answered_at=answered,
        ended_at=answered + timedelta(minutes=minutes) if state == CallState.ENDED else None,
    )


def term(model, code: str):
    return model.objects.get(code=code)


def record_data(
    profession="infirmier", employment="salarie", reasons=("epuisement",), note="", **extra
) -> dict:
    data = {
        "profession": term(models.Profession, profession),
        "employment": term(models.EmploymentStatus, employment),
        "reasons": [term(models.Reason, code) for code in reasons],
        "orientations": [term(models.Orientation, code) for code in extra.pop("orientations", ())],
        "note": note,
    }
    for field, model in (
        ("sector", models.Sector),
        ("departement", models.Departement),
        ("age_band", models.AgeBand),
        ("risk_level", models.RiskLevel),
        ("follow_up", models.FollowUp),
    ):
        if field in extra:
            data[field] = term(model, extra.pop(field))
    data.update(extra)
    return data


def make_record(author, call: Call | None = None, **fields) -> models.ContactRecord:
    """A record saved through the one action that saves records (so the tallies follow)."""
    call = call or make_call(author)
    return actions.save_record(author, call, {**actions.prefill(call), **record_data(**fields)})


def call_through_the_line(psychologist, caller: str = "", language: str = "", hang_up: bool = True) -> Call:
    """A call rung, answered and (unless HANG_UP is False) ended by the psychologist through the
    line's own actions, so that their wrap-up starts as in the workspace. With LANGUAGE the caller
    asked for it in the queue, and the router's move rings the psychologist."""
    from ecoute.accounts.models import Language
    from ecoute.calls import actions as line

    call_id = uuid.uuid4()
    if language:
        asked = Language.objects.get_or_create(code=language, defaults={"name": language})[0]
        line.offer([(line.enqueue(call_id, caller_key=caller, language_id=asked.pk), psychologist.pk)])
    else:
        line.ring_psychologist(call_id, psychologist.pk, caller_key=caller)
    line.accept(call_id, psychologist.pk)
    if hang_up:
        line.psychologist_hangs_up(call_id, psychologist.pk)
    return Call.objects.get(pk=call_id)


def wrapping_up(psychologist, call: Call) -> None:
    """PSYCHOLOGIST is in the wrap-up of CALL (as after hanging up), its record not saved yet."""
    from ecoute.presence.models import Presence, Status

    Presence.objects.filter(pk=psychologist.pk).update(
        status=Status.WRAP_UP, wrap_up_call_id=call.pk, wrap_up_until=timezone.now()
    )
