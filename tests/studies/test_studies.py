"""Studies: anonymous by construction, small groups never published, every bad answer explained."""

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ecoute.accounts.models import Role
from ecoute.studies import answering, results
from ecoute.studies.demo import seed
from ecoute.studies.models import Answer, Invitation, Question, QuestionKind, Response, Study, StudyStatus
from tests.support.cast import _user, make_psychologist
from tests.support.twofactor import log_in
from tests.test_english_pages import french_in

pytestmark = pytest.mark.django_db


def make_study(**fields) -> Study:
    study = Study.objects.create(slug="etude", title="Étude", status=StudyStatus.OPEN, **fields)
    Question.objects.create(
        study=study, position=1, kind=QuestionKind.SINGLE, text="Profession", choices="IDE\nMédecin\nAS"
    )
    Question.objects.create(
        study=study,
        position=2,
        kind=QuestionKind.MULTIPLE,
        text="Aides",
        choices="Collègue\nMédecin",
        required=False,
    )
    Question.objects.create(study=study, position=3, kind=QuestionKind.NUMBER, text="Heures", low=0, high=90)
    Question.objects.create(study=study, position=4, kind=QuestionKind.SCALE, text="Sommeil", low=0, high=5)
    Question.objects.create(study=study, position=5, kind=QuestionKind.TEXT, text="Un mot", required=False)
    return study


def form(study, profession="IDE", helps=("Collègue",), hours="40", sleep="3", word="") -> dict:
    q = {question.position: f"q{question.pk}" for question in study.questions.all()}
    return {q[1]: profession, q[2]: list(helps), q[3]: hours, q[4]: sleep, q[5]: word}


def test_an_answer_is_stored_with_its_month_only(client):
    study = make_study()
    response = client.post("/etudes/etude/", form(study, word="Je dors mal depuis le service de nuit."))
    assert "Merci pour vos réponses" in response.content.decode()
    stored = Response.objects.get()
    assert stored.month == timezone.localdate().replace(day=1)
    assert [f.name for f in Response._meta.get_fields() if f.concrete] == ["id", "study", "month"]
    text = Answer.objects.get(question__kind="text")
    assert text.text.token.startswith("gAAAA")  # free text encrypted


def test_an_invitation_is_spent_once_and_linked_to_nothing(client):
    study = make_study(by_invitation=True)
    key = answering.invite(study, 1)[0]
    assert client.get("/etudes/etude/").content.decode().count("sur invitation") >= 1
    assert "Merci" in client.post(f"/etudes/etude/?invitation={key}", form(study)).content.decode()
    again = client.post(f"/etudes/etude/?invitation={key}", form(study)).content.decode()
    assert "a déjà servi" in again and Response.objects.count() == 1
    invitation = Invitation.objects.get()
    assert invitation.used and key not in invitation.key_hash
    # Nothing in the schema links an invitation to a response.
    assert not [f for f in Response._meta.get_fields() if f.related_model is Invitation]
    assert not [f for f in Invitation._meta.get_fields() if f.related_model in (Response, Answer)]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"profession": ""}, "Cette question demande une réponse"),
        ({"profession": "Astronaute"}, "Choisissez parmi les réponses proposées"),
        ({"helps": ("Collègue", "Sorcier")}, "Choisissez parmi les réponses proposées"),
        ({"hours": "quarante"}, "Écrivez un nombre entier"),
        ({"hours": "200"}, "Un nombre entre 0 et 90"),
        ({"sleep": "9"}, "Choisissez parmi les réponses proposées"),
        ({"word": "x" * 2001}, "2000 caractères au plus"),
    ],
)
def test_a_wrong_answer_is_explained_kept_and_nothing_stored(client, changes, message):
    study = make_study()
    response = client.post("/etudes/etude/", form(study, **changes))
    html = response.content.decode()
    assert response.status_code == 400 and message in html and 'aria-invalid="true"' in html
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_draft_and_closed_studies_take_no_answer(client):
    study = make_study()
    Study.objects.filter(pk=study.pk).update(status=StudyStatus.DRAFT)
    assert client.get("/etudes/etude/").status_code == 404
    Study.objects.filter(pk=study.pk).update(status=StudyStatus.CLOSED)
    assert "Cette étude est close" in client.post("/etudes/etude/", form(study)).content.decode()
    assert not Response.objects.exists()


def test_published_results_hide_small_groups_and_what_subtraction_would_give(client):
    study = make_study(results_published=True)
    for profession, n in (("IDE", 12), ("Médecin", 7), ("AS", 2)):
        for _ in range(n):
            answering.answer(study, answering.check(study, _query(form(study, profession=profession)))[0])
    profession = study.questions.get(position=1)
    shown = {row["label"]: row["count"] for row in results.question_results(study, 5)[0]["rows"]}
    # AS (2) is below k; hidden alone it would be 21 - 12 - 7: Médecin (7) is hidden with it.
    assert shown == {"IDE": 12, "Médecin": None, "AS": None}
    html = client.get("/etudes/etude/resultats/").content.decode()
    assert "&lt; 5" in html and ">12<" in html and "Je dors" not in html
    # The chart draws only what is published: a bar for IDE, none for the hidden counts.
    assert (
        '<meter min="0" max="12" value="12"' in html and 'value="7"' not in html and 'value="2"' not in html
    )
    sleep = study.questions.get(position=4)
    cross = client.get(f"/etudes/etude/resultats/?ligne={profession.pk}&colonne={sleep.pk}").content.decode()
    assert "Croiser deux questions" in cross and "&lt; 5" in cross


def test_a_two_way_table_leaves_no_lone_hidden_cell_in_a_row_or_column():
    cells = {("a", "x"): 3, ("a", "y"): 9, ("b", "x"): 8, ("b", "y"): 10}
    hidden = results.suppress_table(cells, 5)
    assert ("a", "x") in hidden
    for line in (["a"], ["b"]):
        in_row = [key for key in hidden if key[0] in line]
        assert not in_row or sum(cells[key] for key in in_row) >= 5
    for column in ("x", "y"):
        in_column = [key for key in hidden if key[1] == column]
        assert not in_column or sum(cells[key] for key in in_column) >= 5


def test_k_cannot_be_set_below_5(client):
    log_in(client, _user("redac", Role.EDITOR))
    response = client.post(
        "/etudes/gestion/nouvelle/",
        {
            "title": "T",
            "slug": "t",
            "description": "",
            "min_cell": "2",
            "questions-TOTAL_FORMS": "0",
            "questions-INITIAL_FORMS": "0",
        },
    )
    assert "5 au moins" in response.content.decode() and not Study.objects.exists()


def test_staff_build_open_invite_close_and_export(client):
    log_in(client, _user("redac", Role.EDITOR))
    client.post(
        "/etudes/gestion/nouvelle/",
        {
            "title": "Sommeil",
            "slug": "sommeil",
            "description": "",
            "min_cell": "5",
            "by_invitation": "on",
            "questions-TOTAL_FORMS": "2",
            "questions-INITIAL_FORMS": "0",
            "questions-0-position": "1",
            "questions-0-kind": "single",
            "questions-0-text": "Profession",
            "questions-0-choices": "IDE\nMédecin",
            "questions-0-low": "0",
            "questions-0-high": "10",
            "questions-0-required": "on",
            "questions-1-position": "2",
            "questions-1-kind": "single",
            "questions-1-text": "Une seule réponse",
            "questions-1-choices": "Oui",
            "questions-1-low": "0",
            "questions-1-high": "10",
        },
    )
    assert not Study.objects.exists()  # the second question proposes one answer: nothing saved
    client.post(
        "/etudes/gestion/nouvelle/",
        {
            "title": "Sommeil",
            "slug": "sommeil",
            "description": "",
            "min_cell": "5",
            "by_invitation": "on",
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "0",
            "questions-0-position": "1",
            "questions-0-kind": "single",
            "questions-0-text": "Profession",
            "questions-0-choices": "IDE\nMédecin",
            "questions-0-low": "0",
            "questions-0-high": "10",
            "questions-0-required": "on",
        },
    )
    study = Study.objects.get()
    client.post(f"/etudes/gestion/{study.pk}/etat/", {"move": "open"})
    page = client.post(f"/etudes/gestion/{study.pk}/invitations/", {"count": "3"}).content.decode()
    assert page.count("/etudes/sommeil/?invitation=") == 3 and Invitation.objects.count() == 3
    assert (
        "entre 1 et 1000"
        in client.post(
            f"/etudes/gestion/{study.pk}/invitations/", {"count": "0"}, follow=True
        ).content.decode()
    )
    key = page.split("?invitation=")[1].split()[0]
    client.post(f"/etudes/sommeil/?invitation={key}", {f"q{study.questions.get().pk}": "=HYPERLINK(1)"})
    client.post(f"/etudes/sommeil/?invitation={key}", {f"q{study.questions.get().pk}": "IDE"})
    client.post(f"/etudes/gestion/{study.pk}/etat/", {"move": "close"})
    assert Study.objects.get().status == StudyStatus.CLOSED
    rows = list(
        csv.reader(io.StringIO(client.get(f"/etudes/gestion/{study.pk}/export.csv").content.decode()))
    )
    assert rows == [
        ["question", "réponse", "effectif"],
        ["Profession", "IDE", "1"],
        ["Profession", "Médecin", "0"],
    ]
    book = load_workbook(io.BytesIO(client.get(f"/etudes/gestion/{study.pk}/export.xlsx").content))
    assert [cell.value for cell in book.active[2]] == ["Profession", "IDE", 1]
    assert client.get(f"/etudes/gestion/{study.pk}/export.pdf").status_code == 404


def test_only_staff_roles_manage_studies(client):
    assert log_in(client, make_psychologist("Paul")).get("/etudes/gestion/").status_code == 403


def test_the_demo_has_a_closed_study_with_results_and_an_open_one(client, settings):
    seed()
    assert Study.objects.get(slug="sante-des-soignants-2025").status == StudyStatus.CLOSED
    assert "Votre profession" in client.get("/etudes/suicide-et-soignants/").content.decode()
    html = client.get("/etudes/sante-des-soignants-2025/resultats/").content.decode()
    assert "180 réponses" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for path in ("/etudes/", "/etudes/suicide-et-soignants/"):
        assert (
            french_in(
                client.get(path).content.decode(),
                allowed=[
                    "Idées suicidaires chez les soignants : en parler",
                    "Votre profession",
                    "Infirmier·ère",
                    "Médecin",
                    "Aide-soignant·e",
                    "Pharmacien·ne",
                    "Autre",
                    "Savez-vous vers qui vous tourner si un collègue va mal ?",
                    "Oui",
                    "Non",
                    "Je ne sais pas",
                    "La santé des soignants (2025)",
                    "Quelques questions, anonymes, pour savoir à qui les soignants en parlent et ce qui les aide.",
                ],
            )
            == []
        ), path


def _query(data):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            query.setlist(key, value)
        else:
            query[key] = value
    return query
