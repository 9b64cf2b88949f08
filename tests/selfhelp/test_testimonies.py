"""« Expressions de soignants »: nothing shown before a moderator approves; danger reaches a human fast
and shows help at once; what is pending is encrypted; every decision is journalled; the author's
legal record is sealed apart and purged; bad input gets a message."""

import datetime
import json

import pytest
from django.core import mail
from django.db import connection
from django.test import AsyncClient
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.calls.models import Alert, AlertKind
from ecoute.lib.crypto import opened
from ecoute.security.retention import purge
from ecoute.selfhelp import testimonies
from ecoute.selfhelp.models import AuthorSeal, ModerationDecision, Testimony, TestimonyStatus, WatchedPhrase
from ecoute.selfhelp.testimonies import CHECKLIST, ModerationError, decide, submit
from tests.support.cast import _user, make_psychologist
from tests.support.twofactor import log_in
from tests.test_english_pages import french_in

from .conftest import ensure_phrases

pytestmark = pytest.mark.django_db

STORY = (
    "Après des mois de gardes enchaînées, je ne dormais plus. Une collègue m’a parlé de la ligne d’écoute ; "
    "en parler m’a aidée à demander un aménagement de planning."
)
DARK = "Je n’en peux plus des nuits. Certains soirs j’ai envie de me foutre en l’air, et personne ne le voit."


@pytest.fixture(autouse=True)
def phrases(db):
    ensure_phrases()


def _submit(text=STORY, title="Ce qui m’a aidée", email="", pseudonym="Aline"):
    return submit(pseudonym, "initiative", title, text, email)


def _approve(testimony, moderator, **kwargs):
    return decide(testimony.pk, moderator, "approve", checklist=list(CHECKLIST), **kwargs)


def _form(text=STORY, **changes):
    return {
        "pseudonym": "Aline",
        "theme": "suffering",
        "title": "Mes nuits",
        "text": text,
        "email": "",
        "accept": "on",
        **changes,
    }


# --- Never visible before approval ----------------------------------------------------------------


@pytest.mark.parametrize("state", ["pending", "changes_requested", "refused"])
def test_a_testimony_is_never_visible_before_approval(client, moderator, state):
    testimony, _, _ = _submit(title="Titre caché unique")
    if state == "changes_requested":
        decide(testimony.pk, moderator, "request_changes", reason="Retirez le nom du service.")
    if state == "refused":
        decide(testimony.pk, moderator, "refuse", reason="Hors sujet.")
    assert "Titre caché unique" not in client.get("/temoignages/").content.decode()
    assert "Titre caché unique" not in client.get("/temoignages/?q=caché").content.decode()
    assert "Titre caché unique" not in client.get("/temoignages/?theme=initiative").content.decode()
    assert "Titre caché unique" not in client.get("/temoignages/flux/").content.decode()
    assert client.get(f"/temoignages/{testimony.pk}/").status_code == 404
    assert client.post(f"/temoignages/{testimony.pk}/merci/").status_code == 404


def test_once_approved_it_is_listed_found_fed_and_shown_with_help(client, moderator):
    make_psychologist("Claire", status="available")
    testimony, _, _ = _submit(title="Titre publié unique")
    _approve(testimony, moderator)
    assert "Titre publié unique" in client.get("/temoignages/").content.decode()
    assert "Titre publié unique" in client.get("/temoignages/?q=planning").content.decode()
    assert "Titre publié unique" in client.get("/temoignages/flux/").content.decode()
    page = client.get(f"/temoignages/{testimony.pk}/").content.decode()
    assert "aménagement de planning" in page and 'id="help-now"' in page and 'href="tel:3114"' in page
    assert "Claire est disponible" in page


def test_what_is_written_is_shown_as_text_never_as_html(client, moderator):
    testimony, _, _ = _submit(text=STORY + ' <script>alert("x")</script> <img src=x onerror=alert(1)>')
    _approve(testimony, moderator)
    page = client.get(f"/temoignages/{testimony.pk}/").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


# --- Danger ------------------------------------------------------------------------------------------


def test_danger_jumps_the_queue_alerts_the_supervisors_and_shows_help_after_sending(client):
    _submit(title="Premier arrivé")
    response = client.post("/temoignages/ecrire/", _form(DARK))
    html = response.content.decode()
    assert 'id="danger-help"' in html and "Ce que vous écrivez nous inquiète" in html
    assert 'href="tel:3114"' in html and 'href="/"' in html
    dark = Testimony.objects.get(danger=True)
    assert [t.pk for t in testimonies.queue()][0] == dark.pk
    alert = Alert.objects.get(kind=AlertKind.TESTIMONY)
    assert alert.closed_at is None and str(dark.pk) in opened(alert.reason)
    assert "foutre" not in opened(alert.reason)  # the alert says where to look, not what was written


def test_the_writing_page_carries_the_lexicon_for_help_while_typing(client):
    html = client.get("/temoignages/ecrire/").content.decode()
    data = json.loads(html.split('id="lexicon-data" type="application/json">')[1].split("</script>")[0])
    assert ["~se", "foutr", "en", "l", "air"] in [p["stems"] for p in data["phrases"]]
    assert 'id="danger-help"' in html and "hidden" in html.split('id="danger-help"')[1][:40]


def test_moderators_edit_the_watched_phrases(moderator_client):
    assert not _submit(text=STORY + " Je pense à tout lâcher pour toujours.")[2]
    moderator_client.post("/moderation/mots-surveilles/", {"phrase": "tout lâcher pour toujours"})
    assert _submit(text=STORY + " Je pense à tout lâcher pour toujours.")[2] == ["tout lâcher pour toujours"]
    phrase = WatchedPhrase.objects.get(phrase="tout lâcher pour toujours")
    moderator_client.post("/moderation/mots-surveilles/", {"toggle": phrase.pk})
    assert not _submit(text=STORY + " Je pense à tout lâcher pour toujours.")[2]


def test_a_moderator_past_the_cap_of_distressing_texts_is_asked_to_debrief(
    moderator_client, moderator, settings
):
    settings.ECOUTE_MODERATION_DISTRESSING_CAP = 2
    for _ in range(2):
        testimony, _, _ = _submit(text=DARK)
        decide(testimony.pk, moderator, "refuse", reason="Nous vous avons écrit en privé.")
    assert Alert.objects.filter(kind=AlertKind.DEBRIEF, psychologist=moderator).count() == 1
    assert "prenez un temps de débriefing" in moderator_client.get("/moderation/").content.decode()


def test_past_the_cap_a_moderator_is_not_given_the_texts_signalling_danger(
    moderator_client, moderator, settings
):
    settings.ECOUTE_MODERATION_DISTRESSING_CAP = 1
    first, _, _ = _submit(text=DARK)
    decide(first.pk, moderator, "refuse", reason="Nous vous avons écrit en privé.")
    dark, _, _ = _submit(text=DARK)
    calm, _, _ = _submit()
    assert "pour un ou une collègue" in moderator_client.get("/moderation/").content.decode()
    # The text is not even shown: reading it is the load the cap spares.
    page = moderator_client.get(f"/moderation/{dark.pk}/").content.decode()
    assert "relu par un ou une collègue" in page and "foutre" not in page
    response = moderator_client.post(
        f"/moderation/{dark.pk}/", {"kind": "refuse", "reason": "Nous vous avons écrit en privé."}
    )
    assert "relu par un ou une collègue" in response.content.decode()
    with pytest.raises(ModerationError):
        decide(dark.pk, moderator, "refuse", reason="Nous vous avons écrit en privé.")
    dark.refresh_from_db()
    assert dark.status == TestimonyStatus.PENDING and not dark.decisions.exists()
    # The texts without danger go on as before, and a colleague takes the one signalling danger.
    _approve(calm, moderator)
    colleague = _user("collegue", Role.MODERATOR)
    decide(dark.pk, colleague, "refuse", reason="Nous vous avons écrit en privé.")
    assert Testimony.objects.get(pk=dark.pk).status == TestimonyStatus.REFUSED


# --- Moderation --------------------------------------------------------------------------------------


def test_pending_text_and_email_are_encrypted_and_emptied_once_decided(
    moderator, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    testimony, _, _ = _submit(email="aline@example.org")
    with connection.cursor() as cursor:
        cursor.execute("SELECT text, email FROM selfhelp_testimony WHERE id = %s", [testimony.pk])
        text, email = cursor.fetchone()
    assert "gardes" not in text and "aline@" not in email and text.startswith("gAAAA")
    with django_capture_on_commit_callbacks(execute=True):
        _approve(testimony, moderator)
    testimony.refresh_from_db()
    assert testimony.status == TestimonyStatus.PUBLISHED and testimony.published_text == STORY
    assert not testimony.text and not testimony.email
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["aline@example.org"]
    assert "est publié" in mail.outbox[0].body


def test_publishing_needs_the_whole_checklist_and_refusing_needs_a_reason(moderator):
    testimony, _, _ = _submit()
    with pytest.raises(ModerationError, match="Cochez chaque point"):
        decide(testimony.pk, moderator, "approve", checklist=["no_method"])
    with pytest.raises(ModerationError, match="Écrivez à l’auteur"):
        decide(testimony.pk, moderator, "refuse", reason="  ")
    testimony.refresh_from_db()
    assert testimony.status == TestimonyStatus.PENDING and not ModerationDecision.objects.exists()


def test_approving_with_edits_publishes_the_edited_text_and_a_second_decision_is_refused(moderator):
    testimony, _, _ = _submit(text=STORY + " Merci au Dr Martin du CHU de Bordeaux.")
    decide(
        testimony.pk,
        moderator,
        "approve_edited",
        checklist=list(CHECKLIST),
        edited_text=STORY + " Merci à mon médecin.",
    )
    testimony.refresh_from_db()
    assert "Martin" not in testimony.published_text and "Merci à mon médecin" in testimony.published_text
    with pytest.raises(ModerationError, match="déjà été traité"):
        decide(testimony.pk, moderator, "refuse", reason="Trop tard")
    decision = ModerationDecision.objects.get()
    assert (decision.kind, decision.moderator, sorted(decision.checklist)) == (
        "approve_edited",
        moderator,
        sorted(CHECKLIST),
    )


def test_the_moderation_page_highlights_what_identifies_someone(moderator_client):
    testimony, _, _ = _submit(text=STORY + " Merci au Dr Martin du CHU de Bordeaux.")
    html = moderator_client.get(f"/moderation/{testimony.pk}/").content.decode()
    assert "<mark>Dr Martin</mark>" in html and "<mark>CHU de Bordeaux</mark>" in html


def test_a_decision_through_the_page_with_a_missing_reason_is_explained(moderator_client):
    testimony, _, _ = _submit()
    response = moderator_client.post(f"/moderation/{testimony.pk}/", {"kind": "refuse", "reason": ""})
    assert "Écrivez à l’auteur" in response.content.decode()
    response = moderator_client.post(
        f"/moderation/{testimony.pk}/",
        {"kind": "approve", "checklist": list(CHECKLIST), "edited_text": STORY},
    )
    assert response.status_code == 302
    assert Testimony.objects.get().status == TestimonyStatus.PUBLISHED


def test_only_moderators_and_supervisors_moderate(client):
    assert log_in(client, make_psychologist("Paul")).get("/moderation/").status_code == 403


def test_the_author_answers_a_request_for_changes_with_their_key_only(client, moderator):
    testimony, key, _ = _submit()
    assert key not in json.dumps(list(Testimony.objects.values()), default=str)
    decide(testimony.pk, moderator, "request_changes", reason="Retirez le nom du service.")
    assert client.get("/temoignages/suivi/?cle=mauvaise").status_code == 404
    page = client.get(f"/temoignages/suivi/?cle={key}").content.decode()
    assert "Retirez le nom du service." in page and "Modifications demandées" in page
    client.post(
        f"/temoignages/suivi/?cle={key}", {"title": "Nouveau titre", "text": STORY + " (sans le service)"}
    )
    testimony.refresh_from_db()
    assert testimony.status == TestimonyStatus.PENDING and testimony.title == "Nouveau titre"
    assert AuthorSeal.objects.filter(testimony_ref=testimony.pk).count() == 2


# --- Thanks, abuse, bad input ----------------------------------------------------------------------


def from_source(source: str) -> AsyncClient:
    """A client whose requests come from SOURCE, as ecoute/lib/source.py puts it in the ASGI scope."""
    return AsyncClient(**{"ecoute.source": source})


@pytest.mark.django_db(transaction=True)
async def test_submissions_are_limited_per_source_and_thanks_count_once(settings):
    from asgiref.sync import sync_to_async

    from tests.support.cast import _user

    settings.ECOUTE_TESTIMONIES_PER_SOURCE_HOUR = 2
    hospital, elsewhere = from_source("hash-of-a-hospital-network"), from_source("hash-of-another-network")
    for _ in range(2):
        response = await hospital.post("/temoignages/ecrire/", _form())
        assert "Merci, votre témoignage est envoyé" in response.content.decode()
    third = (await hospital.post("/temoignages/ecrire/", _form())).content.decode()
    assert (
        "Trop de témoignages envoyés depuis ce réseau" in third and "enchaînées" in third
    )  # the text is kept
    assert await Testimony.objects.acount() == 2
    other = await elsewhere.post("/temoignages/ecrire/", _form())
    assert "Merci, votre témoignage est envoyé" in other.content.decode()

    moderator = await sync_to_async(_user)("mod2", "moderator")
    first = await Testimony.objects.order_by("pk").afirst()
    await sync_to_async(_approve)(first, moderator)
    for client in (hospital, hospital, elsewhere):
        await client.post(f"/temoignages/{first.pk}/merci/")
    await first.arefresh_from_db()
    assert first.thanks == 2


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"text": "Trop court."}, "au moins 80 caractères"),
        ({"accept": ""}, "Ce champ est obligatoire"),
        ({"email": "pas-une-adresse"}, "adresse de courriel valide"),
        ({"theme": "autre"}, "Sélectionnez un choix valide"),
        ({"pseudonym": ""}, "Ce champ est obligatoire"),
        ({"text": "x" * 10001}, "au plus 10000 caractères"),
    ],
)
def test_bad_input_gets_a_message_and_stores_nothing(client, changes, message):
    response = client.post("/temoignages/ecrire/", _form(**changes))
    assert response.status_code == 200 and message in response.content.decode().replace("\u202f", " ")
    assert not Testimony.objects.exists() and not AuthorSeal.objects.exists()


# --- The author's sealed legal record ----------------------------------------------------------------


# (Its sealing and opening: test_author_seal.py.)


def test_the_purge_removes_seals_after_the_legal_period_and_abandoned_testimonies(moderator, settings):
    testimony, _, _ = _submit()
    decide(testimony.pk, moderator, "request_changes", reason="Retirez le nom.")
    now = timezone.now()
    kept = purge(now + datetime.timedelta(days=30))
    assert kept["author_seals"] == 0 and kept["abandoned_testimonies"] == 0
    done = purge(now + datetime.timedelta(days=settings.ECOUTE_TESTIMONY_SEAL_DAYS + 1))
    assert done["author_seals"] == 1 and done["abandoned_testimonies"] == 1
    assert not AuthorSeal.objects.exists() and not Testimony.objects.exists()


def test_the_english_pages_have_no_french_left(client, moderator, settings):
    testimony, _, _ = _submit(title="Mes nuits")
    _approve(testimony, moderator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for path in ("/temoignages/", "/temoignages/ecrire/", f"/temoignages/{testimony.pk}/"):
        assert french_in(client.get(path).content.decode(), allowed=["Aline"]) == [], path
