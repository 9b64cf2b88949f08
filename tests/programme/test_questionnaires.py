"""The trainings' questionnaires: before and after, satisfaction, by a one-click link from the outbox."""

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.programme import actions, survey, worker
from ecoute.programme.models import (
    Answer,
    AnswerType,
    Event,
    Kind,
    MailKind,
    Moment,
    OutboxMessage,
    Question,
    QuestionPart,
    Registration,
    State,
    SurveyResponse,
)
from tests.programme.smtp import smtp  # noqa: F401 (fixture)
from tests.programme.support import make_event, make_questions
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _questions():
    make_questions()


def link_in(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/programme/questionnaire/[^\s]+/)", body).group(1)


def questions(part=None) -> list[Question]:
    found = Question.objects.filter(active=True)
    return list(found.filter(part=part) if part else found)


def answers_for(moment: str, score: int = 4, comment: str = "") -> dict:
    data = {}
    for question in survey.questions_for(moment):
        if question.answer_type == AnswerType.SCALE:
            data[survey.field_name(question)] = str(score)
        else:
            data[survey.field_name(question)] = comment
    return data


def training(days: float = 3, **fields):
    start = timezone.now() + timedelta(days=days)
    return make_event(starts_at=start, ends_at=start + timedelta(hours=7), **fields)


def test_a_standard_set_of_questions_is_there_from_the_start(django_db_blocker):
    from django.db.migrations.executor import MigrationExecutor

    # What migration 0003 writes into an empty table (the fixture's copy above aside).
    Question.objects.all().delete()
    executor = MigrationExecutor(connection)
    migration = executor.loader.get_migration("programme", "0003_default_questions")
    add = migration.operations[0].code
    add(executor.loader.project_state(("programme", "0003_default_questions")).apps, None)
    assert len(questions(QuestionPart.KNOWLEDGE)) >= 3
    satisfaction = questions(QuestionPart.SATISFACTION)
    assert {q.answer_type for q in satisfaction} == {AnswerType.SCALE, AnswerType.TEXT}


def test_the_questionnaire_before_comes_by_email_and_is_answered_once(client, smtp):
    event = training(days=3)  # registering within the last week: the questionnaire goes at once
    actions.register(event.pk, email="camille@example.org", name="Camille Martin")
    worker.send_due()
    [before] = [m for m in smtp.to("camille@example.org") if "Avant la formation" in m["Subject"]]
    path = link_in(before)

    page = client.get(path)
    assert page.status_code == 200
    shown = html.unescape(page.content.decode())
    assert all(q.text in shown for q in questions(QuestionPart.KNOWLEDGE))
    assert not any(q.text in shown for q in questions(QuestionPart.SATISFACTION))
    done = client.post(path, answers_for(Moment.BEFORE, score=2))
    assert done.status_code == 200 and 'id="survey-done"' in done.content.decode()
    response = SurveyResponse.objects.get()
    assert response.moment == Moment.BEFORE and response.event == event
    assert sorted(response.answers.values_list("score", flat=True)) == [2] * len(
        questions(QuestionPart.KNOWLEDGE)
    )

    again = client.post(path, answers_for(Moment.BEFORE, score=5))
    assert again.status_code == 409
    assert SurveyResponse.objects.count() == 1 and not Answer.objects.filter(score=5).exists()


def test_the_questionnaire_before_waits_for_j_minus_7(smtp):
    event = training(days=20)
    actions.register(event.pk, email="camille@example.org")
    outbox = OutboxMessage.objects.get(kind=MailKind.SURVEY_BEFORE)
    assert outbox.send_after == event.starts_at - timedelta(days=7)
    worker.send_due()
    assert not any("Avant la formation" in m["Subject"] for m in smtp.to("camille@example.org"))


def test_the_end_of_training_email_asks_again_and_for_satisfaction(client, smtp):
    event = training(days=3)
    registration = actions.register(event.pk, email="camille@example.org")
    leaving = actions.register(event.pk, email="leaves@example.org")
    actions.cancel(leaving.pk)
    actions.attend(registration.pk)
    worker.send_due()
    smtp.messages.clear()

    worker.send_due(event.ends_at + timedelta(minutes=1))
    [after] = [m for m in smtp.messages if "Votre avis" in m["Subject"]]
    assert after["To"] == "camille@example.org"  # not the one who cancelled
    path = link_in(after)
    assert client.get(path).status_code == 404  # not before the training has started
    now = timezone.now()  # the training over an hour ago: the link opens
    Event.objects.filter(pk=event.pk).update(
        starts_at=now - timedelta(hours=8), ends_at=now - timedelta(hours=1)
    )
    page = client.get(path)
    assert page.status_code == 200 and all(
        q.text in html.unescape(page.content.decode()) for q in questions()
    )


def answer(registration, moment, score, comment=""):
    form = survey.SurveyForm(answers_for(moment, score, comment), questions=survey.questions_for(moment))
    assert form.is_valid(), form.errors
    return survey.record(registration, moment, form)


def started_training():
    """A training under way, two people registered (questionnaires after are open from the start)."""
    event = training(days=3)
    first = actions.register(event.pk, email="a@example.org")
    second = actions.register(event.pk, email="b@example.org")
    return event, first, second


def test_a_missing_or_impossible_answer_is_named_and_stores_nothing(client):
    event = training(days=3)
    registration = actions.register(event.pk, email="camille@example.org")
    path = reverse("programme:survey", args=[survey.token(registration, Moment.BEFORE)])
    [first, *others] = questions(QuestionPart.KNOWLEDGE)
    data = answers_for(Moment.BEFORE)

    missing = client.post(path, {**data, survey.field_name(first): ""})
    assert missing.status_code == 400
    assert "Choisissez une note de 1 à 5." in missing.content.decode()
    impossible = client.post(path, {**data, survey.field_name(first): "9"})
    assert impossible.status_code == 400
    assert "Une note va de 1 à 5." in impossible.content.decode()
    assert SurveyResponse.objects.count() == 0 and Answer.objects.count() == 0


def test_a_forged_replaced_cancelled_or_out_of_time_link_opens_nothing(client):
    event = training(days=3)
    registration = actions.register(event.pk, email="camille@example.org")
    good = survey.token(registration, Moment.BEFORE)
    forged = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    assert client.get(reverse("programme:survey", args=[forged])).status_code == 404
    assert client.get(reverse("programme:survey", args=["n'importe quoi"])).status_code == 404
    # The questionnaire after is not open before the training starts.
    after = reverse("programme:survey", args=[survey.token(registration, Moment.AFTER)])
    assert client.get(after).status_code == 404
    # Nor the one before once it has started.
    with pytest.raises(survey.BadLink):
        survey.registration_for(good, now=event.starts_at + timedelta(minutes=1))
    # A new link key makes the old link useless; a cancelled registration answers nothing.
    Registration.objects.filter(pk=registration.pk).update(link_key="new")
    assert (
        client.post(reverse("programme:survey", args=[good]), answers_for(Moment.BEFORE)).status_code == 404
    )
    other = actions.register(event.pk, email="other@example.org")
    actions.cancel(other.pk)
    assert (
        client.get(reverse("programme:survey", args=[survey.token(other, Moment.BEFORE)])).status_code == 404
    )
    assert SurveyResponse.objects.count() == 0


def test_an_ejades_session_sends_no_questionnaire():
    event = training(days=3, kind=Kind.EJADES, online=True, dpc_reference="")
    actions.register(event.pk, email="camille@example.org")
    assert not OutboxMessage.objects.filter(kind__in=[MailKind.SURVEY_BEFORE, MailKind.SURVEY_AFTER]).exists()


def test_free_text_answers_are_stored_encrypted():
    event, first, _ = started_training()
    answer(first, Moment.BEFORE, 3)
    answer(first, Moment.AFTER, 5, comment="épuisée après mes gardes, la formation m'a aidée")
    [stored] = Answer.objects.filter(score__isnull=True)
    assert stored.text.open() == "épuisée après mes gardes, la formation m'a aidée"
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM programme_answer WHERE id = %s", [stored.pk])
        assert "gardes" not in cursor.fetchone()[0]


@pytest.fixture
def staff(client):
    return log_in(client, make_staff(Role.PROGRAMME))


def test_staff_see_counts_means_and_the_difference_and_export_them(client, staff):
    event, first, second = started_training()
    answer(first, Moment.BEFORE, 2)
    answer(second, Moment.BEFORE, 3)
    answer(first, Moment.AFTER, 4, comment="Très utile")
    answer(second, Moment.AFTER, 5)

    found = survey.results(event)
    assert (found["before"], found["after"]) == (2, 2)
    for row in found["knowledge"]:
        assert (row.before_count, row.before_mean, row.after_count, row.after_mean) == (2, 2.5, 2, 4.5)
        assert row.difference == 2.0
    assert all(row.after_mean == 4.5 for row in found["satisfaction"])
    assert found["comments"] == [("Vos remarques et suggestions (facultatif).", "Très utile")]

    page = client.get(reverse("programme:staff_survey", args=[event.pk]))
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert "+2.0" in text or "+2,0" in text
    assert "Très utile" in text

    export = client.get(reverse("programme:staff_survey_export", args=[event.pk]))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == survey.CSV_COLUMNS
    knowledge = [row for row in rows[1:] if row[0] == str(QuestionPart.KNOWLEDGE.label)]
    assert knowledge and all(row[2:] == ["2", "2.5", "2", "4.5", "2.0"] for row in knowledge)
    assert "Très utile" not in export.content.decode("utf-8-sig")  # no comment, no person in the file


@pytest.mark.parametrize("role", [Role.PSYCHOLOGIST, Role.SUPERVISOR])
def test_other_roles_cannot_see_the_results(client, role):
    event = training()
    log_in(client, make_staff(role))
    assert client.get(reverse("programme:staff_survey", args=[event.pk])).status_code == 403
    assert client.get(reverse("programme:staff_survey_export", args=[event.pk])).status_code == 403


def test_answers_outlive_the_registration_and_go_with_the_proof_period(settings):
    event, first, _ = started_training()
    answer(first, Moment.BEFORE, 3)
    Registration.objects.filter(pk=first.pk).update(state=State.CANCELLED)
    Registration.objects.filter(pk=first.pk).delete()
    response = SurveyResponse.objects.get()
    assert response.registration is None and response.answers.count() == len(
        questions(QuestionPart.KNOWLEDGE)
    )

    settings.ECOUTE_PROGRAMME_ATTENDANCE_DAYS = 1095
    kept = actions.purge(now=event.ends_at + timedelta(days=1094))
    assert kept["questionnaires"] == 0 and SurveyResponse.objects.count() == 1
    gone = actions.purge(now=event.ends_at + timedelta(days=1096))
    assert gone["questionnaires"] == 1 and SurveyResponse.objects.count() == 0 and Answer.objects.count() == 0
