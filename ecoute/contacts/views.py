"""The contact record in the psychologist's workspace: fill it after a call, see a returning
caller's history during one, read a note (with a reason when it is not one's own)."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ecoute.accounts import reauth
from ecoute.accounts.access import RECORDING_ROLES, role_required
from ecoute.calls.models import Call
from ecoute.lib.crypto import NoteKeyError

from . import access, actions
from .access import NoteAccess
from .forms import ContactForm, ReasonForm
from .models import ContactRecord, ReadPlace

AUTHOR_REREADS = "Relecture de sa propre fiche"
DURING_CALL = "Suivi de la personne pendant son appel"


def _partial(request: HttpRequest) -> bool:
    """The workspace fetches forms and panels to put inside its own page."""
    return request.headers.get("X-Ecoute-Partial") == "1"


@require_http_methods(["GET", "POST"])
@role_required(*RECORDING_ROLES)
def record_call(request: HttpRequest, call_id) -> HttpResponse:
    """Fill in (or correct) the record of a call one has answered."""
    call = access.get_call_to_record(request.user, call_id)
    record = ContactRecord.objects.filter(call=call, author=request.user).first()
    facts = actions.prefill(call, request.user.pk)
    if request.method == "POST":
        form = ContactForm(request.POST, instance=record)
        if form.is_valid():
            data = form.cleaned_for_action()
            # What the system measured (time, duration, channel) is kept, not typed.
            actions.save_record(request.user, call, data if record else {**facts, **data}, record)
            return _saved(request)
        status = 400
    else:
        initial = dict(facts) if record is None else {}
        if record is not None and record.note:
            initial["note"] = actions.read_note(request.user, record, AUTHOR_REREADS, ReadPlace.PAGE)
        if record is None:
            initial["returning"] = "oui" if initial["returning"] else "non"
        form = ContactForm(instance=record, initial=initial)
        status = 200
    context = {
        "form": form,
        "call": call,
        "facts": facts,
        "record": record,
        "partial": _partial(request),
        "handed_over_part": actions.handed_over_part(call, request.user.pk),
    }
    return render(request, "contacts/record_form.html", context, status=status)


def _saved(request: HttpRequest) -> HttpResponse:
    if _partial(request):
        return render(request, "contacts/saved.html", {"partial": True})
    return redirect("contacts:records")


@require_GET
@role_required(*RECORDING_ROLES)
def pending(request: HttpRequest) -> HttpResponse:
    """The form for the call of the wrap-up going on, or nothing (older records are listed apart)."""
    call = actions.pending_call(request.user.pk)
    if call is None:
        return HttpResponse(status=204)
    return record_call(request, call.pk)


@require_GET
@role_required(*RECORDING_ROLES)
def to_complete(request: HttpRequest) -> HttpResponse:
    """« Fiches à compléter »: earlier calls still without one's record, never the wrap-up's own call."""
    current = actions.pending_call(request.user.pk)
    calls = actions.calls_to_record(request.user.pk)
    if current is not None:
        calls = calls.exclude(pk=current.pk)
    calls = list(calls[:50])
    if not calls:
        return HttpResponse(status=204)
    return render(request, "contacts/to_complete.html", {"calls": calls, "partial": _partial(request)})


@require_GET
@role_required(*RECORDING_ROLES)
def caller_history(request: HttpRequest) -> HttpResponse:
    """During a call: whether the person called before, why, and one's own earlier notes."""
    call = Call.objects.in_progress_with(request.user.pk).first()
    if call is None:
        return HttpResponse(status=204)
    entries = []
    for record in actions.previous_records(call.caller_key_hash, call):
        rights = access.note_access(request.user, record)
        note = (
            actions.read_note(request.user, record, DURING_CALL, ReadPlace.DURING_CALL)
            if rights is NoteAccess.AUTHOR and record.note
            else ""
        )
        entries.append(
            {
                "record": record,
                "mine": record.author_id == request.user.pk,
                "note": note,
                "may_ask": rights is NoteAccess.WITH_REASON,
            }
        )
    return render(request, "contacts/caller_history.html", {"entries": entries, "partial": _partial(request)})


@require_GET
@role_required(*RECORDING_ROLES)
def records(request: HttpRequest) -> HttpResponse:
    """One's own records (all of them for a supervisor), newest first, without notes."""
    page = Paginator(access.visible_records(request.user), 50).get_page(request.GET.get("page"))
    waiting = list(actions.calls_to_record(request.user.pk)[:50])
    return render(request, "contacts/records.html", {"page": page, "waiting": waiting})


@require_http_methods(["GET", "POST"])
@role_required(*RECORDING_ROLES)
def read_note(request: HttpRequest, pk: int) -> HttpResponse:
    """A note: at once for its author; after a stated reason for anyone else allowed to read it."""
    record, rights = access.get_record_for_note(request.user, pk)
    context = {"record": record, "note": None}
    try:
        if rights is NoteAccess.AUTHOR:
            context["note"] = actions.read_note(request.user, record, AUTHOR_REREADS, ReadPlace.PAGE)
        elif request.method == "POST":
            form = ReasonForm(request.POST, ask_code=reauth.needed(request))
            if form.is_valid():
                if form.ask_code and not reauth.confirm(
                    request, form.cleaned_data["token"], "lecture de la note d’un·e collègue"
                ):
                    form.add_error(
                        "token",
                        _(
                            "Code incorrect ou expiré. Saisissez le code affiché maintenant par votre application."
                        ),
                    )
                else:
                    context["note"] = actions.read_note(
                        request.user, record, form.cleaned_data["reason"], ReadPlace.PAGE
                    )
            context["form"] = form
        else:
            context["form"] = ReasonForm(ask_code=reauth.needed(request))
    except NoteKeyError:
        # A server started without the key the note was written with (a restore without the escrowed
        # keys, a rotation gone wrong): say so plainly; the note is intact and readable once the key is back.
        return render(
            request, "contacts/note.html", {"record": record, "note": None, "key_missing": True}, status=503
        )
    status = 400 if context.get("form") is not None and context["form"].errors else 200
    return render(request, "contacts/note.html", context, status=status)
