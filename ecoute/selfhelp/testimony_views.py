"""« Expressions de soignants »: the public pages, the author's follow page, the moderation."""

from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecoute.accounts.access import MODERATION_ROLES, role_required
from ecoute.lib.crypto import opened
from ecoute.lib.source import source_of

from . import lexicon, testimonies
from .forms import DecisionForm, ResubmitForm, TestimonyForm, WatchedPhraseForm
from .help import help_now
from .models import Testimony, TestimonyStatus, TestimonyTheme, WatchedPhrase
from .redaction import highlighted, likely_identifying

PER_PAGE = 20


# --- Public -----------------------------------------------------------------------------------


@require_GET
def testimony_list(request):
    shown = testimonies.published()
    theme = request.GET.get("theme", "")
    if theme in TestimonyTheme.values:
        shown = shown.filter(theme=theme)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        shown = shown.filter(Q(title__icontains=query) | Q(published_text__icontains=query))
    page = Paginator(shown.order_by("-published_at"), PER_PAGE).get_page(request.GET.get("page"))
    initiatives = (
        testimonies.published()
        .filter(theme=TestimonyTheme.INITIATIVE)
        .order_by("-thanks", "-published_at")[:3]
    )
    context = {
        "page": page,
        "themes": TestimonyTheme.choices,
        "theme": theme,
        "query": query,
        "initiatives": initiatives if not (theme or query) else [],
        **help_now(),
    }
    return render(request, "selfhelp/testimonies.html", context)


@require_GET
def testimony_page(request, pk):
    testimony = get_object_or_404(testimonies.published(), pk=pk)
    return render(request, "selfhelp/testimony.html", {"testimony": testimony, **help_now()})


@csrf_exempt  # no cookie on a reader's device; the worst a forged request does is one « merci »
@require_POST
def thank(request, pk):
    counted = testimonies.thank(pk, source_of(getattr(request, "scope", None)))
    testimony = get_object_or_404(testimonies.published(), pk=pk)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"counted": counted, "thanks": testimony.thanks})
    return redirect("selfhelp:testimony", pk=pk)


def _lexicon_data() -> dict:
    return lexicon.for_browser(testimonies.phrases())


@require_http_methods(["GET", "POST"])
def write(request):
    form = TestimonyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if testimonies.source_over_limit(source_of(getattr(request, "scope", None))):
            form.add_error(
                None,
                gettext(
                    "Trop de témoignages envoyés depuis ce réseau en une heure : réessayez plus tard. Votre texte est toujours ici."
                ),
            )
        else:
            data = form.cleaned_data
            testimony, key, found = testimonies.submit(
                data["pseudonym"], data["theme"], data["title"], data["text"], data["email"]
            )
            return render(
                request,
                "selfhelp/testimony_sent.html",
                {"follow_url": _follow_url(request, key), "danger": bool(found), **help_now()},
            )
    return render(
        request, "selfhelp/testimony_write.html", {"form": form, "lexicon": _lexicon_data(), **help_now()}
    )


def _follow_url(request, key: str) -> str:
    return request.build_absolute_uri(reverse("selfhelp:follow") + "?" + urlencode({"cle": key}))


@require_http_methods(["GET", "POST"])
def follow(request):
    """The author's page: the decision, and the form to answer a request for changes."""
    key = request.GET.get("cle", "")[:100]
    testimony = (
        Testimony.objects.filter(follow_key_hash=testimonies.follow_hash(key)).first() if key else None
    )
    if testimony is None:
        raise Http404
    form = None
    if testimony.status == TestimonyStatus.CHANGES_REQUESTED:
        form = ResubmitForm(
            request.POST or None, initial={"title": testimony.title, "text": opened(testimony.text)}
        )
        if request.method == "POST" and form.is_valid():
            testimony, found = testimonies.resubmit(
                key, form.cleaned_data["title"], form.cleaned_data["text"]
            )
            messages.success(request, gettext("Merci : votre nouvelle version attend la relecture."))
            if found:
                messages.warning(
                    request,
                    gettext(
                        "Ce que vous écrivez nous inquiète : vous pouvez parler à quelqu’un maintenant, ci-dessous."
                    ),
                )
            return redirect(_follow_url(request, key))
    context = {
        "testimony": testimony,
        "form": form,
        "message": opened(testimony.author_message),
        "lexicon": _lexicon_data(),
        **help_now(),
    }
    return render(request, "selfhelp/testimony_follow.html", context)


class TestimonyFeed(Feed):
    title = gettext_lazy("Expressions de soignants")
    description = gettext_lazy("Témoignages de soignants, publiés après relecture.")

    def link(self):
        return reverse("selfhelp:testimonies")

    def items(self):
        return testimonies.published().order_by("-published_at")[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.published_text[:500]

    def item_link(self, item):
        return reverse("selfhelp:testimony", args=[item.pk])


# --- Moderation ---------------------------------------------------------------------------------


def _workload(user) -> dict:
    from django.conf import settings

    done = testimonies.distressing_this_shift(user)
    return {
        "distressing_done": done,
        "distressing_cap": settings.ECOUTE_MODERATION_DISTRESSING_CAP,
        "debrief": done >= settings.ECOUTE_MODERATION_DISTRESSING_CAP,
        "cap_reached_message": testimonies.CAP_REACHED(),
    }


@require_GET
@role_required(*MODERATION_ROLES)
def moderation(request):
    return render(
        request, "selfhelp/moderation/queue.html", {"queue": testimonies.queue(), **_workload(request.user)}
    )


@require_http_methods(["GET", "POST"])
@role_required(*MODERATION_ROLES)
def moderate(request, pk):
    testimony = get_object_or_404(Testimony, pk=pk)
    workload = _workload(request.user)
    if testimony.danger and workload["debrief"] and testimony.status in testimonies.WAITING:
        # Past the cap the text is not shown at all: reading it is the load the cap spares.
        return render(
            request, "selfhelp/moderation/left_to_a_colleague.html", {"testimony": testimony, **workload}
        )
    text = opened(testimony.text)
    form = DecisionForm(request.POST or None, initial={"edited_text": text})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            testimonies.decide(
                pk, request.user, data["kind"], data["reason"], data["checklist"], data["edited_text"]
            )
        except testimonies.ModerationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, gettext("Décision enregistrée."))
            return redirect("selfhelp:moderation")
    context = {
        "testimony": testimony,
        "highlighted": highlighted(text),
        "identifying": likely_identifying(text),
        "found": lexicon.danger_in(f"{testimony.title}\n{text}", testimonies.phrases()),
        "form": form,
        "decisions": testimony.decisions.select_related("moderator"),
        **workload,
    }
    return render(request, "selfhelp/moderation/testimony.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*MODERATION_ROLES)
def watched_phrases(request):
    form = WatchedPhraseForm(request.POST or None)
    if request.method == "POST":
        if "toggle" in request.POST:
            phrase = get_object_or_404(WatchedPhrase, pk=request.POST.get("toggle"))
            phrase.active = not phrase.active
            phrase.save(update_fields=["active"])
            return redirect("selfhelp:watched_phrases")
        if form.is_valid():
            form.save()
            messages.success(request, gettext("Expression ajoutée."))
            return redirect("selfhelp:watched_phrases")
    return render(
        request, "selfhelp/moderation/phrases.html", {"form": form, "phrases": WatchedPhrase.objects.all()}
    )
