"""Every change to contact records, and every read of a note: the only module that does either.

Each action owns its transaction and keeps the daily tallies (ecoute.contacts.tallies) in step
with the records, so that the statistics never disagree with what was recorded.
"""

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from ecoute.calls.models import Call, CallState
from ecoute.lib.crypto import opened

from . import tallies
from .models import ContactRecord, NoteRead

# The fields a contact form or an import sets directly on the record.
CODED_FIELDS = (
    "started_at", "duration_seconds", "channel", "language", "returning", "profession", "employment",
    "sector", "departement", "age_band", "risk_level", "follow_up",
)


class ContactError(Exception):
    """A change that cannot be made; the message is fit to show to the person who tried."""


def previous_records(caller_key_hash: str, before_call: Call | None = None):
    """The records of earlier calls from the same device, most recent first."""
    if not caller_key_hash:
        return ContactRecord.objects.none()
    records = ContactRecord.objects.filter(call__caller_key_hash=caller_key_hash)
    if before_call is not None:
        records = records.exclude(call=before_call).filter(started_at__lt=before_call.answered_at or before_call.requested_at)
    return records.select_related("author", "call").prefetch_related("reasons").order_by("-started_at")


def prefill(call: Call) -> dict:
    """What the system already knows about a call, for the form to start from."""
    started = call.answered_at or call.requested_at
    duration = int((call.ended_at - call.answered_at).total_seconds()) if call.ended_at and call.answered_at else None
    return {
        "started_at": started,
        "duration_seconds": duration,
        "channel": call.channel,
        "language": "fr",
        "returning": bool(call.caller_key_hash) and Call.objects.filter(
            caller_key_hash=call.caller_key_hash, answered_at__lt=started
        ).exclude(pk=call.pk).exists(),
    }


def pending_call(psychologist_id: int) -> Call | None:
    """The latest call this psychologist answered that has no record yet."""
    return (
        Call.objects.filter(psychologist_id=psychologist_id, state=CallState.ENDED, answered_at__isnull=False, contact_record__isnull=True)
        .order_by("-ended_at")
        .first()
    )


@transaction.atomic
def save_record(author, call: Call | None, data: dict, record: ContactRecord | None = None) -> ContactRecord:
    """Create or update the record of CALL with the cleaned DATA of a form (coded fields, reasons,
    orientations, note). An absent "note" key leaves the stored note as it is."""
    if record is None and call is not None:
        record = ContactRecord.objects.select_for_update().filter(call=call).first()
    elif record is not None:
        record = ContactRecord.objects.select_for_update().get(pk=record.pk)
    if record is not None and record.author_id != getattr(author, "pk", None):
        raise ContactError(gettext("Seul·e le ou la psychologue qui a pris l'appel peut modifier sa fiche."))
    before = tallies.record_facts(record) if record else Counter()
    record = record or ContactRecord(call=call, author=author)
    for field in CODED_FIELDS:
        if field in data:
            setattr(record, field, data[field])
    if "note" in data:
        record.note = data["note"]
    record.save()
    record.reasons.set(data["reasons"])
    record.orientations.set(data.get("orientations", []))
    record.directory_entries.set(data.get("directory_entries", []))
    tallies.apply(tallies.difference(before, tallies.record_facts(record)))
    return record


@transaction.atomic
def import_records(rows: list[dict]) -> int:
    """Store imported records (already validated) all together, or none of them."""
    for data in rows:
        save_record(None, None, data)
    return len(rows)


@transaction.atomic
def read_note(reader, record: ContactRecord, reason: str, place: str) -> str:
    """The note's text, after its reading is written to the audit trail (who, when, why, where).

    The audit row is written first and in the same transaction: a note that cannot be decrypted
    raises, and nothing is shown.
    """
    NoteRead.objects.create(reader=reader, record=record, reason=reason, place=place)
    return opened(record.note)


# A call nobody answered links to no record: its caller key serves only to resume it for a moment.
UNANSWERED_LINK_KEPT = timedelta(days=1)


def purge(now=None, days: int | None = None) -> dict:
    """Forget notes and caller-key links older than the retention period; keep the coded fields.

    Safe to run again and again: what is already purged is not touched twice. Part of the general
    purge (ecoute/security/retention.py).
    """
    now = now or timezone.now()
    days = settings.ECOUTE_CONTACT_RETENTION_DAYS if days is None else days
    cutoff = now - timedelta(days=days)
    unanswered = Q(answered_at__isnull=True, state__in=[CallState.ENDED, CallState.ABANDONED], requested_at__lt=now - UNANSWERED_LINK_KEPT)
    with transaction.atomic():
        notes = ContactRecord.objects.filter(started_at__lt=cutoff, purged_at__isnull=True).update(note="", purged_at=now)
        # The caller key links calls (and so records) of one person: unlinked, they stay as anonymous counts.
        links = Call.objects.filter(Q(requested_at__lt=cutoff) | unanswered).exclude(caller_key_hash="").update(caller_key_hash="")
    return {"notes": notes, "caller_links": links}


def forget_reads(before) -> int:
    """Retention of the note-read audit: its rows older than BEFORE go, reasons with them.

    The one deletion of the append-only journal, through the base manager on purpose.
    """
    return NoteRead._base_manager.filter(read_at__lt=before).delete()[0]
