"""What people write in a testimony or a study is encrypted wherever it rests, and the testimony's
traces are gone after the purge: a canary through a real server process (as for calls)."""

import secrets
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from ecoute.lib.crypto import opened
from ecoute.security import retention
from ecoute.selfhelp.models import AuthorSeal, Testimony
from ecoute.selfhelp.testimonies import decide
from ecoute.studies.models import Answer, Question, QuestionKind, Study, StudyStatus
from tests.security.test_health_data_canary import database_dump, post_form, redis_contents, server  # noqa: F401
from tests.support.cast import _user

from .conftest import ensure_phrases

pytestmark = pytest.mark.django_db(transaction=True)

CANARY = f"CANARI-{secrets.token_hex(6)}"


def test_the_canary_of_a_testimony_and_a_study_is_nowhere_in_plaintext(server):  # noqa: F811
    ensure_phrases()
    study = Study.objects.create(slug="canari", title="Canari", status=StudyStatus.OPEN)
    word = Question.objects.create(study=study, kind=QuestionKind.TEXT, text="Un mot")
    session = requests.Session()
    session.headers["Referer"] = server.url + "/"
    sent = post_form(
        session,
        f"{server.url}/temoignages/ecrire/",
        {
            "pseudonym": "Aline",
            "theme": "suffering",
            "title": "Mes nuits",
            "accept": "on",
            "email": f"{CANARY.lower()}@example.org",
            "text": f"{CANARY} je ne dors plus depuis des mois, j’ai des idées noires et personne ne le voit au travail.",
        },
    )
    assert sent.status_code == 200 and "Merci, votre témoignage est envoyé" in sent.text
    answered = post_form(
        session, f"{server.url}/etudes/canari/", {f"q{word.pk}": f"{CANARY} je prends des somnifères"}
    )
    assert answered.status_code == 200 and "Merci pour vos réponses" in answered.text

    testimony = Testimony.objects.get()
    tokens = [testimony.text.token, testimony.email.token, AuthorSeal.objects.get().sealed]
    assert CANARY in opened(testimony.text) and CANARY.lower() in opened(testimony.email)
    answer_token = Answer.objects.get().text.token
    places = {"database": database_dump(), "server log": server.log(), "redis": redis_contents()}
    assert tokens[0] in places["database"] and answer_token in places["database"]
    for place, content in places.items():
        for needle in (CANARY, CANARY.lower()):
            assert (needle.encode() if isinstance(content, bytes) else needle) not in content, (
                f"in the {place}"
            )

    decide(testimony.pk, _user("mod", "moderator"), "refuse", reason=f"{CANARY} : nous vous écrivons")
    longest = max(settings.ECOUTE_TESTIMONY_SEAL_DAYS, settings.ECOUTE_AUDIT_RETENTION_DAYS)
    done = retention.purge(now=timezone.now() + timedelta(days=longest + 1))
    assert done["author_seals"] == 1 and done["refused_testimonies"] == 1
    dump = database_dump()
    for needle in (CANARY, CANARY.lower(), *tokens):
        assert needle not in dump
