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
from ecoute.directory import actions as directory
from ecoute.directory.models import Entry, Kind, ServiceType
from ecoute.lib.crypto import opened
from ecoute.presence import actions as presence

from . import access, tallies
from .models import ContactRecord, NoteRead, Orientation

# The fields a contact form or an import sets directly on the record.
CODED_FIELDS = (
    "started_at",
    "duration_seconds",
    "channel",
    "language",
    "returning",
    "profession",
    "employment",
    "sector",
    "departement",
    "age_band",
    "risk_level",
    "follow_up",
)


class ContactError(Exception):
    """A change that cannot be made; the message is fit to show to the person who tried."""


def previous_records(caller_key_hash: str, before_call: Call | None = None):
    """The records of earlier calls from the same device, most recent first."""
    if not caller_key_hash:
        return ContactRecord.objects.none()
    records = ContactRecord.objects.filter(call__caller_key_hash=caller_key_hash)
    if before_call is not None:
        records = records.exclude(call=before_call).filter(
            started_at__lt=before_call.answered_at or before_call.requested_at
        )
    return records.select_related("author", "call").prefetch_related("reasons").order_by("-started_at")


def prefill(call: Call, author_id: int | None = None) -> dict:
    """What the system already knows about a call, for AUTHOR_ID's form to start from: its facts,
    the interview language asked for, and the orientations noted or sent during the call."""
    started = call.answered_at or call.requested_at
    part = handed_over_part(call, author_id)
    # The part before a hand-over has no measured end; the supervisor's record carries the duration.
    duration = (
        int((call.ended_at - call.answered_at).total_seconds())
        if call.ended_at and call.answered_at and not part
        else None
    )
    entries = directory.noted_entries(call.pk, author_id) if author_id else []
    return {
        "started_at": started,
        "duration_seconds": duration,
        "channel": call.channel,
        "language": call.language.code if call.language_id else "fr",
        "returning": bool(call.caller_key_hash)
        and Call.objects.filter(caller_key_hash=call.caller_key_hash, answered_at__lt=started)
        .exclude(pk=call.pk)
        .exists(),
        "directory_entries": [entry.pk for entry in entries],
        "orientations": orientation_ids(entries),
    }


def orientation_ids(entries: list[Entry]) -> list[int]:
    """The record's orientation terms (those still offered) that ENTRIES stand for."""
    return list(
        Orientation.objects.filter(active=True, code__in=orientation_codes(entries)).values_list(
            "pk", flat=True
        )
    )


def handed_over_part(call: Call | None, author_id: int | None) -> bool:
    """A record by someone other than the call's last psychologist is the part before a hand-over."""
    return call is not None and author_id is not None and call.psychologist_id != author_id


# Which kind of orientation (the record's taxonomy codes) an address of the directory is.
KIND_ORIENTATIONS = {
    Kind.UNIT: "unite-dediee",
    Kind.DAY_HOSPITAL: "hopital-jour",
    Kind.UNIVERSITY: "sante-universitaire",
    Kind.EMERGENCY: "urgences",
}
SERVICE_ORIENTATIONS = {
    ServiceType.LEGAL: "juridique",
    ServiceType.ADMINISTRATIVE: "administratif",
    ServiceType.REPLACEMENT: "remplacement",
}
PROFESSION_ORIENTATIONS = {
    "psychologue": "psychologue-reseau",
    "psychiatre": "psychiatre",
    "medecin-generaliste": "generaliste",
    "medecin-du-travail": "medecine-travail",
}
NETWORK_ORIENTATIONS = {"morphee": "sommeil", "souffrance-travail": "souffrance-travail", "ssa": "armees"}


def orientation_codes(entries: list[Entry]) -> set[str]:
    """The orientation codes that ENTRIES stand for (an entry with none known counts as « autre »)."""
    codes = set()
    for entry in entries:
        found = {KIND_ORIENTATIONS.get(entry.kind), SERVICE_ORIENTATIONS.get(entry.service_type)}
        if entry.profession_id:
            found.add(PROFESSION_ORIENTATIONS.get(entry.profession.slug))
        found |= {NETWORK_ORIENTATIONS.get(slug) for slug in entry.networks.values_list("slug", flat=True)}
        found.discard(None)
        codes |= found or {"autre"}
    return codes


def calls_to_record(psychologist_id: int):
    """The calls still waiting for this psychologist's record (« Fiches à compléter »), latest first."""
    return (
        access.recordable_calls(psychologist_id)
        .exclude(contact_records__author_id=psychologist_id)
        .order_by("-answered_at")
    )


def pending_call(psychologist_id: int) -> Call | None:
    """The call whose record the psychologist's wrap-up is for, while that record is unsaved.

    Never an older unsaved record: those wait in « Fiches à compléter », apart (calls_to_record).
    """
    call_id = presence.wrap_up_call_id(psychologist_id)
    return calls_to_record(psychologist_id).filter(pk=call_id).first() if call_id else None


@transaction.atomic
def save_record(author, call: Call | None, data: dict, record: ContactRecord | None = None) -> ContactRecord:
    """Create or update the record of CALL with the cleaned DATA of a form (coded fields, reasons,
    orientations, note). An absent "note" key leaves the stored note as it is."""
    if record is None and call is not None:
        record = ContactRecord.objects.select_for_update().filter(call=call, author=author).first()
    elif record is not None:
        record = ContactRecord.objects.select_for_update().get(pk=record.pk)
    if record is not None and record.author_id != getattr(author, "pk", None):
        raise ContactError(gettext("Seul·e le ou la psychologue qui a pris l'appel peut modifier sa fiche."))
    before = tallies.record_facts(record) if record else Counter()
    record = record or ContactRecord(
        call=call, author=author, handed_over_part=handed_over_part(call, getattr(author, "pk", None))
    )
    for field in CODED_FIELDS:
        if field in data:
            setattr(record, field, data[field])
    if "note" in data:
        record.note = data["note"]
    record.save()
    record.reasons.set(data["reasons"])
    record.orientations.set(data.get("orientations", []))
    record.directory_entries.set(data.get("directory_entries", []))
    after = tallies.record_facts(record)
    if call is not None and author is not None:
        directory.forget_referrals(call.pk, author.pk)  # the record now holds the addresses
        presence.record_saved(author.pk, call.pk)  # the wrap-up waiting for this record ends
    # Last before the commit: every save of the day adds to the same count rows, and holds their locks
    # from here to its commit; the other saves wait for them (docs/performance.md, contact saves).
    tallies.apply(tallies.difference(before, after))
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
    unanswered = Q(
        answered_at__isnull=True,
        state__in=[CallState.ENDED, CallState.ABANDONED],
        requested_at__lt=now - UNANSWERED_LINK_KEPT,
    )
    with transaction.atomic():
        notes = ContactRecord.objects.filter(started_at__lt=cutoff, purged_at__isnull=True).update(
            note="", purged_at=now
        )
        # The caller key links calls (and so records) of one person: unlinked, they stay as anonymous counts.
        links = (
            Call.objects.filter(Q(requested_at__lt=cutoff) | unanswered)
            .exclude(caller_key_hash="")
            .update(caller_key_hash="")
        )
    return {"notes": notes, "caller_links": links}


def forget_reads(before) -> int:
    """Retention of the note-read audit: its rows older than BEFORE go, reasons with them.

    The one deletion of the append-only journal, through the base manager on purpose.
    """
    return NoteRead._base_manager.filter(read_at__lt=before).delete()[0]
