"""eJADES series in the staff pages: the form builds the rule, previews the dates, saves and publishes."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.programme.forms_staff import rule_fields
from ecoute.programme.models import Event, Series
from tests.programme.support import make_ejades_model
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
# Tuesday 23 March 2027, 12:30 in Paris; summer time begins on Sunday the 28th.
FIRST = datetime(2027, 3, 23, 12, 30, tzinfo=PARIS)


@pytest.fixture
def staff(client):
    return log_in(client, make_staff(Role.PROGRAMME))


@pytest.fixture
def model_session():
    return make_ejades_model(FIRST)


def posted(model, **fields):
    return {
        "title": "eJADES : le sommeil",
        "template": model.pk,
        "first_start": "2027-03-23T12:30",
        "days": ["TU", "TH"],
        "every_weeks": "1",
        "count": "6",
        "until": "",
        "action": "preview",
        **fields,
    }


def nothing_written() -> bool:
    return not Series.objects.exists() and Event.objects.count() == 1


def test_the_preview_lists_the_dates_in_paris_time_and_writes_nothing(staff, model_session):
    response = staff.post(reverse("programme:staff_series_new"), posted(model_session))
    assert response.status_code == 200
    dates = [timezone.localtime(d, PARIS) for d, _ in response.context["dates"]]
    assert [(d.day, d.month, d.hour, d.minute) for d in dates] == [
        (23, 3, 12, 30),
        (25, 3, 12, 30),
        (30, 3, 12, 30),  # summer time: still 12:30 in Paris
        (1, 4, 12, 30),
        (6, 4, 12, 30),
        (8, 4, 12, 30),
    ]
    assert "6 séances selon cette règle" in response.content.decode()
    assert "Règle enregistrée" not in response.content.decode()  # nothing is, yet
    assert nothing_written()


def test_saving_makes_unpublished_sessions_then_publishing_publishes_them(staff, model_session):
    response = staff.post(reverse("programme:staff_series_new"), posted(model_session, action="save"))
    one = Series.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "programme:staff_series_edit", args=[one.pk]
    )
    assert one.rule == "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU,TH;COUNT=6"
    assert list(one.sessions.values_list("published", flat=True)) == [False] * 6

    # Ten sessions now, every other week from the same Tuesday: the six kept, the missing ones added.
    edit = reverse("programme:staff_series_edit", args=[one.pk])
    page = staff.get(edit)
    assert page.context["form"].initial["days"] == ["TU", "TH"]
    assert "Règle enregistrée" in page.content.decode() and "COUNT=6" in page.content.decode()
    staff.post(edit, posted(model_session, action="publish", count="10"))
    one.refresh_from_db()
    assert one.rule.endswith("COUNT=10")
    assert one.sessions.count() == 10 and not one.sessions.filter(published=False).exists()
    assert "10 séances" not in page.content.decode()  # the page before the change showed six


def test_an_end_by_date_becomes_until_in_utc_and_reads_back(staff, model_session):
    staff.post(
        reverse("programme:staff_series_new"),
        posted(model_session, action="save", count="", until="2027-04-06", days=["TU"], every_weeks="2"),
    )
    one = Series.objects.get()
    assert one.rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20270406T215959Z"
    starts = [timezone.localtime(s.starts_at, PARIS).date().isoformat() for s in one.sessions.all()]
    assert sorted(starts) == ["2027-03-23", "2027-04-06"]
    assert rule_fields(one.rule)["until"].isoformat() == "2027-04-06"


@pytest.mark.parametrize(
    "fields, says",
    [
        ({"days": []}, "au moins un jour"),
        ({"count": ""}, "un nombre de séances ou une date"),
        ({"until": "2027-05-01"}, "un nombre de séances ou une date"),
        ({"count": "500"}, "200"),
        ({"count": "abc"}, "nombre entier"),
        ({"days": ["XX"]}, "Sélectionnez un choix valide"),
        ({"first_start": "2020-01-07T12:30"}, "doit être à venir"),
        ({"first_start": "demain midi"}, "Saisissez une date et une heure valides"),
        ({"count": "", "until": "2027-03-01"}, "avant la première séance"),
        ({"template": "999999"}, "Sélectionnez un choix valide"),
        ({"every_weeks": "0"}, "supérieure ou égale à 1"),
        ({"title": ""}, "obligatoire"),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_writes_nothing(staff, model_session, fields, says):
    for action in ("preview", "save", "publish"):
        response = staff.post(
            reverse("programme:staff_series_new"), posted(model_session, action=action, **fields)
        )
        assert response.status_code == 400
        assert says in response.content.decode()
        assert nothing_written()


def test_a_rule_giving_too_many_sessions_is_refused(staff, model_session):
    response = staff.post(
        reverse("programme:staff_series_new"),
        posted(model_session, count="", until="2031-12-31", days=["MO", "TU", "WE", "TH", "FR"]),
    )
    assert response.status_code == 400 and "plus de 200 séances" in response.content.decode()
    assert nothing_written()


@pytest.mark.parametrize("role", [Role.PSYCHOLOGIST, Role.STATISTICIAN])
def test_other_roles_cannot_open_or_create_series(client, role, model_session):
    log_in(client, make_staff(role))
    assert client.get(reverse("programme:staff_series")).status_code == 403
    response = client.post(reverse("programme:staff_series_new"), posted(model_session, action="publish"))
    assert response.status_code == 403 and nothing_written()


def test_the_series_list_links_each_series(staff, model_session):
    staff.post(reverse("programme:staff_series_new"), posted(model_session, action="save"))
    page = staff.get(reverse("programme:staff_series")).content.decode()
    assert (
        "eJADES : le sommeil" in page
        and reverse("programme:staff_series_edit", args=[Series.objects.get().pk]) in page
    )


def test_the_series_pages_are_english(staff, model_session):
    from tests.test_english_pages import english, french_in

    data = ["eJADES : le sommeil", "eJADES (modèle)"]
    client = english(staff)
    preview = client.post(reverse("programme:staff_series_new"), posted(model_session))
    refused = client.post(reverse("programme:staff_series_new"), posted(model_session, days=[], count=""))
    client.post(reverse("programme:staff_series_new"), posted(model_session, action="save"))
    listed = client.get(reverse("programme:staff_series"))
    edit = client.get(reverse("programme:staff_series_edit", args=[Series.objects.get().pk]))
    for response in (preview, refused, listed, edit):
        html = response.content.decode()
        assert '<html lang="en">' in html
        assert french_in(html, allowed=data) == []
    assert "6 sessions by this rule" in preview.content.decode()
