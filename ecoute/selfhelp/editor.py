"""The staff's editor of the resource sheets: write, preview, save (a revision each time), schedule, go back."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from ecoute.accounts.access import EDITOR_ROLES, role_required

from . import markup
from .forms import ImageForm, SheetForm
from .help import help_now
from .models import Sheet, SheetImage, SheetRevision


@role_required(*EDITOR_ROLES)
def sheets(request):
    return render(request, "selfhelp/editor/sheets.html", {"sheets": Sheet.objects.order_by("-updated_at")})


@require_http_methods(["GET", "POST"])
@role_required(*EDITOR_ROLES)
def edit(request, pk=None):
    """One form for a new sheet and for a change; « Aperçu » shows the reader's page without saving."""
    sheet = get_object_or_404(Sheet, pk=pk) if pk else None
    form = SheetForm(request.POST or None, instance=sheet)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = {
                "title": form.cleaned_data["title"],
                "body_html": markup.render(form.cleaned_data["body"]),
            }
        else:
            sheet = save_with_revision(form, request.user)
            messages.success(request, gettext("Fiche enregistrée."))
            return redirect("selfhelp:edit", pk=sheet.pk)
    context = {
        "form": form,
        "sheet": sheet,
        "preview": preview,
        "images": SheetImage.objects.all()[:30],
        **(help_now() if preview else {}),
    }
    return render(request, "selfhelp/editor/edit.html", context)


@transaction.atomic
def save_with_revision(form: SheetForm, user) -> Sheet:
    sheet = form.save()
    SheetRevision.objects.create(
        sheet=sheet, title=sheet.title, summary=sheet.summary, body=sheet.body, saved_by=user
    )
    return sheet


@role_required(*EDITOR_ROLES)
def revisions(request, pk):
    sheet = get_object_or_404(Sheet, pk=pk)
    return render(
        request,
        "selfhelp/editor/revisions.html",
        {"sheet": sheet, "revisions": sheet.revisions.select_related("saved_by")},
    )


@require_POST
@role_required(*EDITOR_ROLES)
def restore(request, pk, revision_pk):
    """Put an earlier version back (as a new revision: nothing of the history is lost)."""
    revision = get_object_or_404(SheetRevision, pk=revision_pk, sheet_id=pk)
    with transaction.atomic():
        sheet = Sheet.objects.select_for_update().get(pk=pk)
        sheet.title, sheet.summary, sheet.body = revision.title, revision.summary, revision.body
        sheet.save()
        SheetRevision.objects.create(
            sheet=sheet, title=sheet.title, summary=sheet.summary, body=sheet.body, saved_by=request.user
        )
    messages.success(request, gettext("La version du %(when)s est revenue.") % {"when": revision.saved_at})
    return redirect("selfhelp:edit", pk=pk)


@require_http_methods(["GET", "POST"])
@role_required(*EDITOR_ROLES)
def images(request):
    form = ImageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, gettext("Image déposée, sans ses métadonnées."))
        return redirect("selfhelp:images")
    return render(request, "selfhelp/editor/images.html", {"form": form, "images": SheetImage.objects.all()})
