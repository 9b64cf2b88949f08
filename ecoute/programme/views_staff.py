"""The programme's staff pages: events, registrations, export, sign-in sheet, certificates, messages."""

import csv
import io
from datetime import timedelta

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from ecoute.accounts.access import PROGRAMME_ROLES, role_required
from ecoute.lib.tabular import safe_cell
from ecoute.security import journal
from ecoute.security.models import SecurityEventKind

from . import actions, links, sentinels, sheet, signatures, survey
from .forms import MessageForm
from .models import ACTIVE_STATES, HOLDING_STATES, Event, Registration, Signature, State

programme_staff = role_required(*PROGRAMME_ROLES)


@require_GET
@programme_staff
def events(request):
    listed = Event.objects.filter(ends_at__gt=timezone.now() - timedelta(days=60)).annotate(
        held=Count("registrations", filter=Q(registrations__state__in=HOLDING_STATES)),
        waiting=Count("registrations", filter=Q(registrations__state=State.WAITING)),
        confirmed=Count("registrations", filter=Q(registrations__state=State.CONFIRMED)),
    )
    return render(request, "programme/staff/events.html", {"events": listed})


@require_GET
@programme_staff
def event(request, pk):
    event = get_object_or_404(Event, pk=pk)
    registrations = event.registrations.select_related("profession").order_by("state", "registered_at", "pk")
    counts = dict(event.registrations.values_list("state").annotate(n=Count("pk")))
    return render(
        request,
        "programme/staff/event.html",
        {
            "event": event,
            "registrations": registrations,
            "counts": [(State(state).label, counts.get(state, 0)) for state in State.values],
            "message_form": MessageForm(),
        },
    )


EXPORT_COLUMNS = [
    "état",
    "nom",
    "e-mail",
    "profession",
    "RPPS/ADELI",
    "DPC",
    "adhérent",
    "à payer",
    "inscrit le",
    "ateliers",
]


def export_rows(event) -> list[list]:
    """The active registrations of EVENT as rows of EXPORT_COLUMNS, text cells formula-safe."""
    registrations = (
        event.registrations.filter(state__in=ACTIVE_STATES)
        .select_related("profession")
        .prefetch_related("choices__workshop")
        .order_by("registered_at", "pk")
    )
    return [
        [
            str(registration.get_state_display()),
            safe_cell(registration.name),
            safe_cell(registration.email),
            safe_cell(str(registration.profession or "")),
            registration.rpps,
            "oui" if registration.dpc_enrolled else "",
            "oui" if registration.member else "",
            float(registration.price_due),
            timezone.localtime(registration.registered_at).strftime("%Y-%m-%d %H:%M"),
            safe_cell(", ".join(choice.workshop.title for choice in registration.choices.all())),
        ]
        for registration in registrations
    ]


@require_GET
@programme_staff
def export(request, pk, fmt):
    """The registrations of one event as CSV (semicolons, UTF-8 with BOM: opens as is in a spreadsheet) or XLSX."""
    event = get_object_or_404(Event, pk=pk)
    rows = export_rows(event)
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = "Inscriptions"
        sheet.append(EXPORT_COLUMNS)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = csv_response(EXPORT_COLUMNS, rows, f"inscriptions-{event.pk}.csv")
    response["Content-Disposition"] = f'attachment; filename="inscriptions-{event.pk}.{fmt}"'
    journal_export(request, event, f"inscriptions de l'événement {event.pk} ({fmt})")
    return response


def csv_response(columns: list[str], rows: list[list], filename: str) -> HttpResponse:
    """ROWS as a CSV download that a spreadsheet opens in French (BOM, semicolons)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(columns)
    writer.writerows(rows)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def journal_export(request, event, summary: str) -> None:
    """Personal data left the platform: who took it, of which event (the security journal)."""
    journal.record(SecurityEventKind.EXPORT, actor=request.user, summary=summary, event=event.pk)


@require_GET
@programme_staff
def sign_in_sheet(request, pk):
    """A sheet per half-day: people sign on the tablet, or are ticked, or it is printed pre-filled to sign."""
    return _sheet(request, get_object_or_404(Event, pk=pk))


def _sheet(request, event, problem: str = "", status: int = 200):
    slots = sheet.half_days(event)
    return render(
        request,
        "programme/staff/sign_in_sheet.html",
        {"event": event, "rows": sheet.rows(event, slots), "slots": slots, "problem": problem},
        status=status,
    )


@require_POST
@programme_staff
def sign(request, pk):
    """One cell of the sheet signed on the tablet (strokes), or noted present by staff (without_signature)."""
    event = get_object_or_404(Event, pk=pk)
    try:
        registration, slot = _cell(event, request.POST.get("cell", ""))
        drawn = (
            ""
            if request.POST.get("without_signature")
            else signatures.svg_path(request.POST.get("strokes", ""))
        )
        actions.sign(registration.pk, slot.pk if slot else None, drawn, noted_by=request.user)
    except (signatures.BadSignature, actions.RegistrationError) as problem:
        return _sheet(request, event, problem=str(problem), status=400)
    who = registration.name or registration.email
    if drawn:
        messages.success(request, gettext("Signature de %(name)s enregistrée.") % {"name": who})
    else:
        messages.success(request, gettext("%(name)s noté·e présent·e sans signature.") % {"name": who})
    return redirect(reverse("programme:staff_sign_in", args=[event.pk]) + f"#person-{registration.pk}")


@require_POST
@programme_staff
def remove_signature(request, pk):
    """A signature made by mistake removed, once confirmed; journaled (ids only, never the drawing)."""
    event = get_object_or_404(Event, pk=pk)
    wanted = request.POST.get("signature", "")
    if not request.POST.get("confirm"):
        return _sheet(request, event, gettext("Confirmez le retrait de la signature."), status=400)
    # 18 digits at most: a bigger number is no signature's id, and would overflow the database's bigint.
    on_sheet = Signature.objects.filter(
        registration__event=event, pk=int(wanted) if wanted.isdigit() and len(wanted) <= 18 else None
    )
    try:
        with transaction.atomic():  # removed and journaled, or neither
            removed = actions.remove_signature(on_sheet.get().pk)
            journal.record(
                SecurityEventKind.SIGNATURE_REMOVED,
                actor=request.user,
                summary=f"signature retirée de l'émargement de l'événement {event.pk} "
                f"(inscription {removed.registration_id}, créneau {removed.slot_id or '-'})",
                event=event.pk,
                registration=removed.registration_id,
                slot=removed.slot_id,
                without_drawing=removed.without_drawing,
            )
    except Signature.DoesNotExist:
        return _sheet(
            request,
            event,
            gettext("Cette signature n'est pas sur la feuille : rechargez la page."),
            status=400,
        )
    registration = removed.registration
    messages.success(
        request,
        gettext("Signature de %(name)s retirée.") % {"name": registration.name or registration.email},
    )
    return redirect(reverse("programme:staff_sign_in", args=[event.pk]) + f"#person-{registration.pk}")


def _cell(event, cell: str):
    """The registration and the slot (None for an event without slots) a cell of EVENT's sheet names."""
    registration_pk, _, slot_pk = cell.partition(":")
    slots = {slot.pk: slot for slot in event.slots.all()}
    registration = None
    if registration_pk.isdigit() and slot_pk.isdigit():
        registration = sheet.people(event).filter(pk=int(registration_pk)).first()
    if registration is None or (int(slot_pk) not in slots if slots else slot_pk != "0"):
        raise actions.RegistrationError(gettext("Cette case n'est pas sur la feuille : rechargez la page."))
    return registration, slots.get(int(slot_pk))


@require_GET
@programme_staff
def sign_in_sheet_pdf(request, pk):
    """The PDF of one half-day's sheet (?demi-journee=<slot>; none for an event without slots)."""
    event = get_object_or_404(Event, pk=pk)
    wanted = request.GET.get("demi-journee", "")
    chosen = [slot for slot in sheet.half_days(event) if (str(slot.pk) if slot else "") == wanted]
    if not chosen:
        raise Http404
    slot = chosen[0]
    journal_export(
        request, event, f"émargement de l'événement {event.pk} (pdf, créneau {slot.pk if slot else '-'})"
    )
    response = HttpResponse(sheet.pdf(event, slot), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="emargement-{event.pk}-{slot.pk if slot else 0}.pdf"'
    return response


@require_POST
@programme_staff
def record_attendance(request, pk):
    """The ticks of the sheet: ticked people attended, the others of the list did not."""
    event = get_object_or_404(Event, pk=pk)
    present = {int(value) for value in request.POST.getlist("present") if value.isdigit()}
    listed = {int(value) for value in request.POST.getlist("listed") if value.isdigit()}
    # A signature is the proof of presence: a box left unticked does not undo it.
    signed = set(
        Signature.objects.filter(registration__event=event).values_list("registration_id", flat=True)
    )
    changed = 0
    for registration in event.registrations.filter(pk__in=listed, state__in=HOLDING_STATES):
        wanted = State.ATTENDED if registration.pk in present | signed else State.NO_SHOW
        if registration.state != wanted and registration.state != State.OFFERED:
            (actions.attend if wanted == State.ATTENDED else actions.no_show)(registration.pk)
            changed += 1
    messages.success(
        request, gettext("Feuille d'émargement enregistrée (%(n)s changements).") % {"n": changed}
    )
    return redirect("programme:staff_sign_in", event.pk)


@require_POST
@programme_staff
def issue_certificates(request, pk):
    event = get_object_or_404(Event, pk=pk)
    issued = 0
    for registration in event.registrations.filter(state=State.ATTENDED, certificate_code=None):
        actions.issue_certificate(registration.pk)
        issued += 1
    messages.success(request, gettext("%(n)s attestations envoyées par e-mail.") % {"n": issued})
    return redirect("programme:staff_event", event.pk)


@require_POST
@programme_staff
def cancel_event(request, pk):
    event = get_object_or_404(Event, pk=pk)
    try:
        told = actions.cancel_event(event.pk)
    except actions.RegistrationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, gettext("Événement annulé : %(n)s personnes prévenues.") % {"n": told})
    return redirect("programme:staff_event", event.pk)


@require_POST
@programme_staff
def message_participants(request, pk):
    event = get_object_or_404(Event, pk=pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, gettext("Le message a besoin d'un objet et d'un texte : rien n'a été envoyé.")
        )
    else:
        sent = actions.message_participants(event.pk, form.cleaned_data["subject"], form.cleaned_data["body"])
        messages.success(request, gettext("Message mis en envoi pour %(n)s participants.") % {"n": sent})
    return redirect("programme:staff_event", event.pk)


@require_GET
@programme_staff
def certificate_pdf(request, pk, registration_pk):
    """Staff can open any certificate already issued (to print it or send it again)."""
    from . import certificates

    registration = get_object_or_404(
        Registration, pk=registration_pk, event_id=pk, certificate_code__isnull=False
    )
    response = HttpResponse(certificates.pdf(registration), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="attestation-{registration.certificate_code}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
@programme_staff
def check_in(request, token):
    """The page a registrant's QR code opens on the staff's phone: who it is, and one button to let them in."""
    try:
        registration = links.registration_checking_in(token)
    except links.BadLink:
        return render(request, "programme/staff/check_in.html", {"bad": True}, status=404)
    problem = None
    if request.method == "POST":
        try:
            actions.attend(registration.pk)
        except actions.RegistrationError as error:
            problem = str(error)
        registration.refresh_from_db()
    return render(
        request,
        "programme/staff/check_in.html",
        {"registration": registration, "event": registration.event, "problem": problem, "State": State},
        status=409 if problem else 200,
    )


@require_GET
@programme_staff
def survey_results(request, pk):
    """A training's questionnaires: how many answered before and after, the means, what changed."""
    event = get_object_or_404(Event, pk=pk)
    return render(request, "programme/staff/survey.html", {"event": event, "results": survey.results(event)})


@require_GET
@programme_staff
def survey_export(request, pk):
    """The questionnaires' results of one training as CSV (scores only; counts and means, no person)."""
    event = get_object_or_404(Event, pk=pk)
    rows = [[safe_cell(cell) for cell in row] for row in survey.csv_rows(event)]
    return csv_response(survey.CSV_COLUMNS, rows, f"questionnaires-{event.pk}.csv")


def attendance_rows(event) -> list[list]:
    """Everyone holding a place at EVENT: name or pseudonym, e-mail, state, first connection, connections
    (raw: the CSV makes its text cells formula-safe)."""
    registrations = event.registrations.filter(state__in=HOLDING_STATES).order_by(
        "joined_at", "registered_at", "pk"
    )
    return [
        [
            r.name,
            r.email,
            r.get_state_display(),
            timezone.localtime(r.joined_at).strftime("%d/%m/%Y %H:%M") if r.joined_at else "",
            r.joins,
        ]
        for r in registrations
    ]


ATTENDANCE_COLUMNS = ["nom", "e-mail", "état", "première connexion", "connexions"]


@require_GET
@programme_staff
def attendance_report(request, pk):
    """An online session: who held a place, who joined through their link and when."""
    event = get_object_or_404(Event, pk=pk)
    rows = attendance_rows(event)
    joined = sum(1 for row in rows if row[3])
    return render(
        request,
        "programme/staff/attendance.html",
        {
            "event": event,
            "rows": rows,
            "held": len(rows),
            "joined": joined,
            "rate": round(100 * joined / len(rows)) if rows else None,
        },
    )


@require_GET
@programme_staff
def attendance_export(request, pk):
    event = get_object_or_404(Event, pk=pk)
    rows = [[safe_cell(cell) for cell in row] for row in attendance_rows(event)]
    response = csv_response(ATTENDANCE_COLUMNS, rows, f"connexions-{event.pk}.csv")
    journal_export(request, event, f"connexions de l'événement {event.pk} (csv)")
    return response


@require_GET
@programme_staff
def sentinel_network(request):
    """The trained people, grown from the trainings' attendance; those whose refresher is due first."""
    people = sentinels.network()
    today = timezone.localdate()
    due = [person for person in people if person.refresher_due <= today]
    return render(
        request,
        "programme/staff/sentinels.html",
        {"people": people, "due_count": len(due), "today": today},
    )
