"""Studies: the public list, answering, published results; the staff's building, invitations and exports."""

import csv
import io

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecoute.abuse.limits import count
from ecoute.accounts.access import EDITOR_ROLES, STUDY_ROLES, role_required
from ecoute.lib.source import source_of
from ecoute.lib.tabular import safe_cell
from ecoute.selfhelp.help import help_now

from . import answering, mailing, results
from .forms import InvitationMailForm, QuestionFormSet, StudyForm
from .models import Study, StudyStatus

RESPONSES_PER_SOURCE_DAY = 5
MAX_INVITATIONS = 1000


@require_GET
def studies(request):
    shown = Study.objects.exclude(status=StudyStatus.DRAFT)
    context = {
        "open": shown.filter(status=StudyStatus.OPEN, by_invitation=False),
        "published": shown.filter(results_published=True),
        **help_now(),
    }
    return render(request, "studies/list.html", context)


@require_http_methods(["GET", "POST"])
def respond(request, slug):
    study = get_object_or_404(Study.objects.exclude(status=StudyStatus.DRAFT), slug=slug)
    key = request.GET.get("invitation", "")[:100]
    values, errors, refused = {}, {}, ""
    if study.status != StudyStatus.OPEN:
        refused = gettext("Cette étude est close : merci de votre intérêt.")
    elif study.by_invitation and not key:
        refused = gettext("Cette étude se fait sur invitation : ouvrez le lien que vous avez reçu.")
    elif study.by_invitation and (state := answering.invitation_state(study, key)) != "unused":
        return render(
            request,
            "studies/invitation_invalid.html",
            {"study": study, "used": state == "used", **help_now()},
            status=410 if state == "used" else 404,
        )
    if request.method == "POST" and not refused:
        values, errors = answering.check(study, request.POST)
        source = source_of(getattr(request, "scope", None))
        if (
            not errors
            and source
            and count(f"abuse:study:{study.pk}:{source}", 24 * 3600) > RESPONSES_PER_SOURCE_DAY
        ):
            refused = gettext("Trop de réponses depuis ce réseau aujourd’hui.")
        elif not errors:
            try:
                answering.answer(study, values, key)
            except answering.Refused as error:
                refused = str(error)
            else:
                return render(request, "studies/thanks.html", {"study": study, **help_now()})
    questions = [
        {"question": q, "value": values.get(q.pk, ""), "error": errors.get(q.pk, "")}
        for q in study.questions.all()
    ]
    context = {
        "study": study,
        "questions": questions,
        "refused": refused,
        "has_errors": bool(errors),
        **help_now(),
    }
    return render(request, "studies/respond.html", context, status=400 if errors else 200)


@require_GET
def published_results(request, slug):
    study = get_object_or_404(Study, slug=slug, results_published=True)
    return render(request, "studies/results.html", _results_context(request, study, study.k))


def _results_context(request, study, k):
    choice_questions = [q for q in study.questions.all() if q.kind in ("single", "multiple", "scale")]
    cross = None
    row_id, column_id = request.GET.get("ligne", ""), request.GET.get("colonne", "")
    by_id = {str(q.pk): q for q in choice_questions}
    if row_id in by_id and column_id in by_id and row_id != column_id:
        cross = results.crosstab(study, by_id[row_id], by_id[column_id], k)
    return {
        "study": study,
        "k": k,
        "total": results.responses_count(study, k),
        "results": results.question_results(study, k),
        "choice_questions": choice_questions,
        "cross": cross,
        **help_now(),
    }


# --- Staff --------------------------------------------------------------------------------------


@role_required(*STUDY_ROLES)
def manage(request):
    return render(request, "studies/manage.html", {"studies": Study.objects.order_by("-pk")})


@require_http_methods(["GET", "POST"])
@role_required(*EDITOR_ROLES)
def edit(request, pk=None):
    study = get_object_or_404(Study, pk=pk) if pk else None
    if study and study.status != StudyStatus.DRAFT and request.method == "POST":
        messages.error(
            request,
            gettext("Une étude ouverte ou close ne change plus : ses réponses portent sur ces questions."),
        )
        return redirect("studies:edit", pk=study.pk)
    form = StudyForm(request.POST or None, instance=study)
    questions = QuestionFormSet(request.POST or None, instance=study or Study())
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        with transaction.atomic():
            study = form.save()
            questions.instance = study
            questions.save()
        messages.success(request, gettext("Étude enregistrée."))
        return redirect("studies:edit", pk=study.pk)
    context = {"form": form, "questions": questions, "study": study}
    if study and study.by_invitation:
        context["mails"] = mailing.waiting(study)
    return render(request, "studies/edit.html", context)


@require_POST
@role_required(*EDITOR_ROLES)
def change_status(request, pk):
    study = get_object_or_404(Study, pk=pk)
    moves = {"open": (StudyStatus.DRAFT, StudyStatus.OPEN), "close": (StudyStatus.OPEN, StudyStatus.CLOSED)}
    move = moves.get(request.POST.get("move", ""))
    if move is None:
        raise Http404
    if move[1] == StudyStatus.OPEN and not study.questions.exists():
        messages.error(request, gettext("Ajoutez au moins une question avant d’ouvrir l’étude."))
    elif not Study.objects.filter(pk=pk, status=move[0]).update(status=move[1]):
        messages.error(request, gettext("Cette étude n’est plus dans cet état."))
    return redirect("studies:edit", pk=pk)


@require_POST
@role_required(*EDITOR_ROLES)
def invitations(request, pk):
    study = get_object_or_404(Study, pk=pk, by_invitation=True)
    try:
        wanted = int(request.POST.get("count", ""))
    except ValueError:
        wanted = 0
    if not 1 <= wanted <= MAX_INVITATIONS:
        messages.error(
            request, gettext("Un nombre d’invitations entre 1 et %(max)s.") % {"max": MAX_INVITATIONS}
        )
        return redirect("studies:edit", pk=pk)
    base = request.build_absolute_uri(f"/etudes/{study.slug}/?invitation=")
    links = [base + key for key in answering.invite(study, wanted)]
    return render(request, "studies/invitations.html", {"study": study, "links": links})


@require_http_methods(["GET", "POST"])
@role_required(*EDITOR_ROLES)
def invitation_mails(request, pk):
    """Addresses pasted or uploaded; every one checked before any is queued; none kept once sent."""
    study = get_object_or_404(Study.objects.exclude(status=StudyStatus.CLOSED), pk=pk, by_invitation=True)
    form = InvitationMailForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        queued = mailing.queue(study, form.cleaned_data["valid_addresses"], form.cleaned_data["language"])
        messages.success(request, _queued_message(study, queued))
        return redirect("studies:edit", pk=pk)
    status = 400 if form.errors else 200
    return render(request, "studies/invitation_mails.html", {"study": study, "form": form}, status=status)


def _queued_message(study, queued: int) -> str:
    if study.status == StudyStatus.OPEN:
        return ngettext(
            "%(n)s invitation part par e-mail dans les minutes qui viennent ; les adresses seront effacées dès l’envoi.",
            "%(n)s invitations partent par e-mail dans les minutes qui viennent ; les adresses seront effacées dès l’envoi.",
            queued,
        ) % {"n": queued}
    return ngettext(
        "%(n)s invitation partira par e-mail à l’ouverture de l’étude ; les adresses seront effacées dès l’envoi.",
        "%(n)s invitations partiront par e-mail à l’ouverture de l’étude ; les adresses seront effacées dès l’envoi.",
        queued,
    ) % {"n": queued}


@role_required(*STUDY_ROLES)
def staff_results(request, pk):
    study = get_object_or_404(Study, pk=pk)
    return render(request, "studies/staff_results.html", _results_context(request, study, None))


@role_required(*STUDY_ROLES)
def export(request, pk, kind):
    """Every count per question and answer (free text: only how many answered), as CSV or XLSX."""
    study = get_object_or_404(Study, pk=pk)
    if kind not in ("csv", "xlsx"):
        raise Http404
    rows = [["question", "réponse", "effectif"]]
    for item in results.question_results(study, None):
        if item.get("free_text"):
            rows.append([item["question"].text, "(texte libre, non exporté)", item["answered"]])
        else:
            rows += [[item["question"].text, row["label"], row["count"]] for row in item["rows"]]
    rows = [[safe_cell(cell) for cell in row] for row in rows]
    name = f"etude-{study.slug}"
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
