"""Who may see which contact record and read which note: the one place for these rules.

- a psychologist reads their own records and notes;
- a supervisor reads any record, and a note only with a stated reason;
- another psychologist, during a call with the same caller, sees that the person called before
  and why; their colleagues' notes only if the administrators' policy shares them, with a reason;
- the statistics role and administrators see aggregates only, never a record or a note.
"""

import enum

from django.db.models import Q
from django.http import Http404

from ecoute.accounts.access import is_listener, reads_every_record
from ecoute.calls.models import Call, CallState, Ring, RingOutcome

from .models import ContactRecord, NotePolicy


class NoteAccess(enum.Enum):
    AUTHOR = "author"  # reads without giving a reason
    WITH_REASON = "with_reason"
    DENIED = "denied"


def same_caller(record: ContactRecord, call: Call | None) -> bool:
    return bool(
        call
        and call.caller_key_hash
        and record.call_id
        and record.call.caller_key_hash == call.caller_key_hash
    )


def note_access(user, record: ContactRecord) -> NoteAccess:
    if not user.is_authenticated or record.purged_at is not None:
        return NoteAccess.DENIED
    if record.author_id == user.pk:
        return NoteAccess.AUTHOR
    if reads_every_record(user):
        return NoteAccess.WITH_REASON
    if (
        is_listener(user)
        and NotePolicy.current().share_with_other_listeners
        and same_caller(record, Call.objects.in_progress_with(user.pk).first())
    ):
        return NoteAccess.WITH_REASON
    return NoteAccess.DENIED


def may_see_record(user, record: ContactRecord) -> bool:
    """The coded fields of a record (never its note)."""
    return record.author_id == user.pk or reads_every_record(user)


def visible_records(user):
    records = ContactRecord.objects.select_related("profession", "employment", "author").prefetch_related(
        "reasons"
    )
    if reads_every_record(user):
        return records
    return records.filter(author=user)


def get_record_for_note(user, pk: int) -> tuple[ContactRecord, NoteAccess]:
    """The record and how its note may be read, or 404 (an outsider learns nothing of its existence)."""
    record = ContactRecord.objects.select_related("call", "author").filter(pk=pk).first()
    if record is None:
        raise Http404
    access = note_access(user, record)
    if access is NoteAccess.DENIED:
        raise Http404
    return record, access


def recordable_calls(user_id: int):
    """The calls USER_ID records: those they answered or carried on, once ended, and those they
    answered then handed over to a supervisor (their part, even while the supervisor still talks)."""
    carried = Q(psychologist_id=user_id, answered_at__isnull=False, state=CallState.ENDED)
    answered = Ring.objects.filter(psychologist_id=user_id, outcome=RingOutcome.ACCEPTED).values("call_id")
    handed_over = Q(pk__in=answered) & ~Q(psychologist_id=user_id)
    return Call.objects.filter(carried | handed_over)


def get_call_to_record(user, call_id) -> Call:
    """A call whose record USER may fill or change (see recordable_calls)."""
    call = recordable_calls(user.pk).filter(pk=call_id).first()
    if call is None:
        raise Http404
    return call
