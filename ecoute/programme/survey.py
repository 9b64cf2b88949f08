"""The trainings' questionnaires: before, after, and the satisfaction survey (DPC and Qualiopi).

A registrant gets a one-click link by e-mail (the outbox, mail.py): before the training (J-7, or at
once when registering later), then at its end (the knowledge questions again and the satisfaction
questions). The link is signed like the manage link (links.py) and says which questionnaire it
opens; it works only in its window (before: until the start; after: from the start until
SURVEY_AFTER_DAYS after the end) and answers once. Answers keep the registration only to refuse a
second answer: when the registration is deleted the answers stay, linked to nobody, until the purge
(docs/retention.md). Staff see counts and means per session, and the before/after difference.
"""

from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from .links import BadLink
from .models import (
    Answer,
    AnswerType,
    Event,
    Kind,
    Moment,
    Question,
    QuestionPart,
    Registration,
    State,
    SurveyResponse,
)

SALT = "ecoute.programme.survey"
# How long after a training its end-of-training questionnaire can still be answered.
SURVEY_AFTER_DAYS = 30
# Who may answer: people holding a place (before), or who came or were not marked absent (after).
MAY_ANSWER = {
    Moment.BEFORE: (State.REGISTERED, State.CONFIRMED),
    Moment.AFTER: (State.REGISTERED, State.CONFIRMED, State.ATTENDED),
}
SCALE = [(str(n), str(n)) for n in range(1, 6)]
TEXT_MAX = 2000


class AlreadyAnswered(Exception):
    pass


def has_questionnaires(event: Event) -> bool:
    return event.kind == Kind.FORMATION and Question.objects.filter(active=True).exists()


def questions_for(moment: str) -> list[Question]:
    """Before: the knowledge questions; after: the same again, then the satisfaction questions."""
    parts = [QuestionPart.KNOWLEDGE] + ([QuestionPart.SATISFACTION] if moment == Moment.AFTER else [])
    return list(Question.objects.filter(active=True, part__in=parts))


# --- The link ------------------------------------------------------------------------------------


def token(registration: Registration, moment: str) -> str:
    return signing.dumps([registration.pk, registration.link_key, moment], salt=SALT, compress=True)


def url(registration: Registration, moment: str) -> str:
    return settings.ECOUTE_PUBLIC_URL + reverse("programme:survey", args=[token(registration, moment)])


def window(event: Event, moment: str) -> tuple:
    """(opens, closes) of a questionnaire of EVENT."""
    if moment == Moment.BEFORE:
        return event.created_at, event.starts_at
    return event.starts_at, event.ends_at + timedelta(days=SURVEY_AFTER_DAYS)


def registration_for(token_text: str, now=None) -> tuple[Registration, str]:
    """(registration, moment) of a questionnaire link, or BadLink: forged, altered, replaced, expired,
    outside its window, or for someone who may not answer (cancelled, absent)."""
    now = now or timezone.now()
    try:
        pk, key, moment = signing.loads(
            token_text, salt=SALT, max_age=timedelta(days=settings.ECOUTE_PROGRAMME_LINK_DAYS)
        )
    except (signing.BadSignature, ValueError, TypeError):
        raise BadLink from None
    if moment not in Moment.values:
        raise BadLink
    registration = Registration.objects.select_related("event").filter(pk=pk, link_key=key).first()
    if registration is None or registration.state not in MAY_ANSWER[moment]:
        raise BadLink
    opens, closes = window(registration.event, moment)
    if not opens <= now < closes:
        raise BadLink
    return registration, moment


def link_is_open(registration: Registration, moment: str, now=None) -> bool:
    """Whether a questionnaire e-mail still has a reason to go (the worker asks before sending)."""
    now = now or timezone.now()
    opens, closes = window(registration.event, moment)
    return (
        has_questionnaires(registration.event)
        and registration.state in MAY_ANSWER[moment]
        and now < closes
        and not registration.survey_responses.filter(moment=moment).exists()
    )


# --- The form and the answers --------------------------------------------------------------------


class SurveyForm(forms.Form):
    """One field per question: a 1-to-5 scale (required) or a free text (optional)."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            if question.answer_type == AnswerType.SCALE:
                self.fields[field_name(question)] = forms.ChoiceField(
                    label=question.text,
                    choices=SCALE,
                    widget=forms.RadioSelect,
                    error_messages={
                        "required": gettext_lazy("Choisissez une note de 1 à 5."),
                        "invalid_choice": gettext_lazy("Une note va de 1 à 5."),
                    },
                )
            else:
                self.fields[field_name(question)] = forms.CharField(
                    label=question.text,
                    required=False,
                    max_length=TEXT_MAX,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )

    def parts(self):
        """(part label, bound fields) in order, for the page's fieldsets."""
        grouped: dict[str, list] = {}
        for question in self.questions:
            grouped.setdefault(question.part, []).append(self[field_name(question)])
        return [(QuestionPart(part).label, fields) for part, fields in grouped.items()]


def field_name(question: Question) -> str:
    return f"q{question.pk}"


@transaction.atomic
def record(registration: Registration, moment: str, form: SurveyForm) -> SurveyResponse:
    """Store a valid form's answers; AlreadyAnswered when this link has answered already."""
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                event=registration.event, registration=registration, moment=moment
            )
    except IntegrityError:
        raise AlreadyAnswered from None
    answers = []
    for question in form.questions:
        value = form.cleaned_data.get(field_name(question), "")
        if question.answer_type == AnswerType.SCALE:
            answers.append(Answer(response=response, question=question, score=int(value)))
        elif value.strip():
            answers.append(Answer(response=response, question=question, text=value.strip()))
    Answer.objects.bulk_create(answers)
    return response


# --- Results for staff ---------------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: Question
    before_count: int = 0
    before_mean: float | None = None
    after_count: int = 0
    after_mean: float | None = None

    @property
    def difference(self) -> float | None:
        if self.before_mean is None or self.after_mean is None:
            return None
        return round(self.after_mean - self.before_mean, 2)


def results(event: Event) -> dict:
    """Counts and means of the 1-to-5 answers per question and moment, and the comments (opened)."""
    responses = dict(event.survey_responses.values_list("moment").annotate(n=Count("pk")))
    scored = (
        Answer.objects.filter(response__event=event, score__isnull=False)
        .values("question", "response__moment")
        .annotate(n=Count("pk"), mean=Avg("score"))
    )
    rows: dict[int, QuestionResult] = {}
    questions = Question.objects.in_bulk({row["question"] for row in scored} | _asked_ids())
    for question in sorted(questions.values(), key=lambda q: (q.part, q.order, q.pk)):
        if question.answer_type == AnswerType.SCALE:
            rows[question.pk] = QuestionResult(question)
    for row in scored:
        result = rows[row["question"]]
        mean = round(row["mean"], 2)
        if row["response__moment"] == Moment.BEFORE:
            result.before_count, result.before_mean = row["n"], mean
        else:
            result.after_count, result.after_mean = row["n"], mean
    comments = [
        (answer.question.text, answer.text.open())
        for answer in Answer.objects.filter(response__event=event, score__isnull=True)
        .select_related("question")
        .order_by("question__order", "pk")
    ]
    return {
        "before": responses.get(Moment.BEFORE, 0),
        "after": responses.get(Moment.AFTER, 0),
        "knowledge": [r for r in rows.values() if r.question.part == QuestionPart.KNOWLEDGE],
        "satisfaction": [r for r in rows.values() if r.question.part == QuestionPart.SATISFACTION],
        "comments": comments,
    }


def _asked_ids() -> set[int]:
    return set(Question.objects.filter(active=True).values_list("pk", flat=True))


CSV_COLUMNS = [
    "partie",
    "question",
    "réponses avant",
    "moyenne avant",
    "réponses après",
    "moyenne après",
    "écart",
]


def csv_rows(event: Event) -> list[list]:
    """The results of EVENT as rows of CSV_COLUMNS (scores only: comments stay on the page)."""
    found = results(event)
    return [
        [
            QuestionPart(r.question.part).label,
            r.question.text,
            r.before_count,
            "" if r.before_mean is None else r.before_mean,
            r.after_count,
            "" if r.after_mean is None else r.after_mean,
            "" if r.difference is None else r.difference,
        ]
        for r in found["knowledge"] + found["satisfaction"]
    ]


# --- Retention -----------------------------------------------------------------------------------


def purge(now=None) -> int:
    """Questionnaires are kept as long as the proof of attendance (ECOUTE_PROGRAMME_ATTENDANCE_DAYS)."""
    now = now or timezone.now()
    old = now - timedelta(days=settings.ECOUTE_PROGRAMME_ATTENDANCE_DAYS)
    return (
        SurveyResponse.objects.filter(event__ends_at__lt=old).delete()[1].get("programme.SurveyResponse", 0)
    )


def error_message() -> str:
    return gettext("Certaines réponses manquent ou ne conviennent pas : voyez les messages ci-dessous.")
