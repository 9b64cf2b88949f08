"""Study invitations by e-mail: a real SMTP server receives one single-use link per address; the
addresses are gone once sent; nothing leads from an invitation to a response; bad lists are refused whole."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.programme import worker
from ecoute.security import retention
from ecoute.studies import answering, mailing
from ecoute.studies.models import Answer, Invitation, InvitationMail, Response, Study, StudyStatus
from tests.programme.smtp import smtp  # noqa: F401 (fixture)
from tests.security.test_health_data_canary import database_dump
from tests.support.cast import _user
from tests.support.twofactor import log_in
from tests.test_english_pages import french_in

from .test_studies import form, make_study

pytestmark = pytest.mark.django_db

PASTED = "alice@example.org, bruno@example.org\n\ncamille@example.org; Alice@example.org"
# What staff or the tests typed, French whatever the page's language.
TYPED = ["Étude", "Profession", "Aides", "Heures", "Sommeil", "Un mot", "IDE", "Médecin", "Collègue"]
CSV = "Nom;Email;Service\nDupont;dora@example.org;Urgences\nMartin;eli@example.org;Réa\n"


def send_invitations(client, study, addresses="", csv_text=None, language="fr", **csv_options):
    data = {"addresses": addresses, "language": language}
    if csv_text is not None:
        data["file"] = SimpleUploadedFile("liste.csv", csv_text.encode(csv_options.get("encoding", "utf-8")))
    return client.post(f"/etudes/gestion/{study.pk}/invitations/courriel/", data)


def link_in(message) -> str:
    return re.search(r"https?://\S+\?invitation=\S+", message.get_body(("plain",)).get_content()).group(0)


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def test_each_address_gets_its_own_single_use_link_and_its_answer_is_linked_to_nothing(client, smtp):  # noqa: F811
    study = make_study(by_invitation=True)
    log_in(client, _user("redac", Role.EDITOR))
    sent = send_invitations(client, study, PASTED, CSV)
    assert sent.status_code == 302
    assert "5 invitations partent par e-mail" in client.get(sent.url).content.decode()
    assert worker.one_pass()["study_invitations_sent"] == 5
    received = {message["To"]: message for message in smtp.messages}
    assert sorted(received) == [
        "alice@example.org",
        "bruno@example.org",
        "camille@example.org",
        "dora@example.org",
        "eli@example.org",
    ]  # Alice once, though pasted twice
    links = {to: link_in(message) for to, message in received.items()}
    assert len(set(links.values())) == 5 and Invitation.objects.filter(used=False).count() == 5
    assert "Invitation : Étude" in received["dora@example.org"]["Subject"]
    assert not InvitationMail.objects.exists()  # sent, so forgotten

    client.logout()
    dora = path_of(links["dora@example.org"])
    assert "Envoyer mes réponses" in client.get(dora).content.decode()
    assert "Merci pour vos réponses" in client.post(dora, form(study)).content.decode()
    used = client.get(dora)
    assert used.status_code == 410 and "Ce lien d’invitation a déjà servi" in used.content.decode()
    again = client.post(dora, form(study))
    assert again.status_code == 410 and Response.objects.count() == 1
    unknown = client.get(f"/etudes/etude/?invitation={'x' * 24}")
    assert unknown.status_code == 404 and "n’est pas valable" in unknown.content.decode()

    # Anonymity by construction: no column of an invitation, or of its e-mail, leads to a response.
    for model in (Invitation, InvitationMail):
        assert not [f for f in model._meta.get_fields() if f.related_model in (Response, Answer, Invitation)]
    assert not [f for f in Response._meta.get_fields() if f.related_model in (Invitation, InvitationMail)]


@pytest.mark.django_db(transaction=True)
def test_no_address_is_left_anywhere_in_the_database_once_the_mails_have_gone(client, smtp):  # noqa: F811
    study = make_study(by_invitation=True)
    log_in(client, _user("redac", Role.EDITOR))
    send_invitations(client, study, "canari-etude-7f3a@example.org")
    waiting = database_dump()
    assert "canari-etude-7f3a" not in waiting  # encrypted while it waits
    encrypted = InvitationMail.objects.get().address.token
    assert encrypted in waiting
    worker.one_pass()
    assert smtp.to("canari-etude-7f3a@example.org")
    key = link_in(smtp.messages[0]).rsplit("=", 1)[1]
    dump = database_dump()
    assert "canari-etude-7f3a" not in dump and key not in dump and encrypted not in dump
    assert "invitationmail" in dump  # the table is there, empty


@pytest.mark.parametrize(
    "addresses, csv_text, encoding, message",
    [
        (
            "alice@example.org\nbruno-at-example.org\n",
            None,
            "utf-8",
            "ligne 2 : « bruno-at-example.org » n’est pas une adresse e-mail",
        ),
        ("", None, "utf-8", "Collez au moins une adresse"),
        ("", "Nom;Service\nDupont;Urgences\n", "utf-8", "nommez « email »"),
        ("", "email\ndora@example.org\nRéa\n", "utf-8", "ligne 3 du fichier : « Réa »"),
        ("", "email\nrené@exemple.fr\n", "latin-1", "n’est pas en UTF-8"),
        ("", "", "utf-8", "Le fichier soumis est vide"),
        (
            " ".join(f"p{i}@example.org" for i in range(1001)),
            None,
            "utf-8",
            "1000 adresses au plus par envoi (1001 reçues)",
        ),
    ],
)
def test_a_wrong_list_is_explained_and_nothing_is_queued(client, addresses, csv_text, encoding, message):
    study = make_study(by_invitation=True)
    log_in(client, _user("redac", Role.EDITOR))
    response = send_invitations(client, study, addresses, csv_text, encoding=encoding)
    html = response.content.decode()
    assert response.status_code == 400 and message in html, html
    assert addresses[:200] in html  # what was pasted is still there to correct
    assert not Invitation.objects.exists() and not InvitationMail.objects.exists()


def test_a_draft_study_s_mails_wait_for_its_opening_and_a_closed_one_s_are_dropped(client, smtp):  # noqa: F811
    draft = make_study(by_invitation=True)
    Study.objects.filter(pk=draft.pk).update(status=StudyStatus.DRAFT)
    log_in(client, _user("redac", Role.EDITOR))
    assert (
        "partiront par e-mail à l’ouverture"
        in client.get(
            send_invitations(client, draft, "alice@example.org bruno@example.org").url
        ).content.decode()
    )
    assert worker.one_pass()["study_invitations_sent"] == 0 and not smtp.messages
    assert "2 e-mails d’invitation en attente" in client.get(f"/etudes/gestion/{draft.pk}/").content.decode()
    client.post(f"/etudes/gestion/{draft.pk}/etat/", {"move": "open"})
    send_invitations(client, draft, "camille@example.org")
    client.post(f"/etudes/gestion/{draft.pk}/etat/", {"move": "close"})
    assert worker.one_pass()["study_invitations_dropped"] == 3 and not smtp.messages
    assert send_invitations(client, draft, "dora@example.org").status_code == 404  # closed: no more
    assert retention.purge()["study_invitations"] == 3 and not Invitation.objects.exists()


def test_a_refusing_server_is_retried_then_the_address_is_erased(client, smtp):  # noqa: F811
    study = make_study(by_invitation=True)
    log_in(client, _user("redac", Role.EDITOR))
    send_invitations(client, study, "alice@example.org")
    smtp.refuse = True
    now = timezone.now()
    for attempt in range(worker.MAX_ATTEMPTS):
        assert mailing.send_due(now)["failed"] == 1, attempt
        assert mailing.send_due(now)["failed"] == 0  # not before its retry delay
        now += timedelta(hours=7)
    given_up = InvitationMail.objects.get()
    assert given_up.given_up and not given_up.address and not given_up.key
    assert mailing.send_due(now + timedelta(days=1)) == {"sent": 0, "dropped": 0, "failed": 0}
    assert (
        "1 e-mail d’invitation n’a pas pu être remis"
        in client.get(f"/etudes/gestion/{study.pk}/").content.decode()
    )


def test_the_mail_speaks_english_when_asked_and_the_pages_are_in_english(client, smtp, settings):  # noqa: F811
    study = make_study(by_invitation=True)
    log_in(client, _user("redac", Role.EDITOR))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/etudes/gestion/{study.pk}/invitations/courriel/").content.decode()
    assert "Invite by e-mail" in page and "Send the invitations" in page
    wrong = send_invitations(client, study, "alice@example.org\nbruno-at-example.org").content.decode()
    assert "line 2: “bruno-at-example.org” is not an e-mail address" in wrong
    assert french_in(page, allowed=TYPED) == french_in(wrong, allowed=TYPED) == []
    send_invitations(client, study, "alice@example.org", language="en")
    assert french_in(client.get(f"/etudes/gestion/{study.pk}/").content.decode(), allowed=TYPED) == []
    worker.one_pass()
    [message] = smtp.messages
    assert message["Subject"] == "Invitation: Étude"
    assert "This link is yours and works once" in message.get_body(("plain",)).get_content()
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get(path_of(link_in(message))).status_code == 200  # not used yet: the questions
    answering.answer(study, {}, link_in(message).rsplit("=", 1)[1])
    for response in (client.get(path_of(link_in(message))), client.get("/etudes/etude/?invitation=inconnue")):
        html = response.content.decode()
        assert "This invitation link" in html and french_in(html, allowed=TYPED) == [], html


def test_only_editors_invite_and_only_to_studies_by_invitation(client):
    public = make_study()
    log_in(client, _user("stat", Role.STATISTICIAN))
    assert send_invitations(client, public, "alice@example.org").status_code == 403
    log_in(client, _user("redac", Role.EDITOR))
    assert send_invitations(client, public, "alice@example.org").status_code == 404
    assert not InvitationMail.objects.exists()
