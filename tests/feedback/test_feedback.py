"""The caller's anonymous feedback: one tap after an answered call, counted, linked to nothing."""

import json
from datetime import date

import pytest
from django.db import connection

from ecoute.feedback import counting, tickets
from ecoute.feedback.models import FeedbackCount
from tests.calls.test_sockets import connected_call, psychologist
from tests.support.cast import make_psychologist
from tests.support.twofactor import log_in

URL = "/appel/retour/"


def give(client, body, content_type="application/json"):
    data = json.dumps(body) if isinstance(body, dict) else body
    return client.post(URL, data, content_type=content_type)


@pytest.mark.django_db(transaction=True)
async def test_an_answered_call_that_ends_gives_the_callers_app_a_ticket_and_nobody_else():
    claire = await psychologist("Claire")
    caller, workspace, call_id = await connected_call(claire)
    await workspace.send({"type": "call.hangup", "call_id": call_id})
    ended = await caller.expect("call.ended")
    assert ended["call_id"] == call_id and len(ended["feedback_ticket"]) >= 30
    assert "feedback_ticket" not in await workspace.expect("call.ended")  # the psychologist is not told
    assert tickets.spend(ended["feedback_ticket"]) and not tickets.spend(ended["feedback_ticket"])


@pytest.mark.django_db
def test_one_tap_counts_one_answer_in_its_month_and_nothing_else(client):
    response = give(client, {"ticket": tickets.issue(), "helped": "yes"})
    assert response.status_code == 200 and response.json() == {"counted": True}
    give(client, {"ticket": tickets.issue(), "helped": "yes", "listened": "yes", "would_call_again": "no"})
    give(client, {"ticket": tickets.issue(), "helped": "yes"})
    cells = {(c.helped, c.listened, c.would_call_again): c.count for c in FeedbackCount.objects.all()}
    assert cells == {("yes", "", ""): 2, ("yes", "yes", "no"): 1}
    assert {c.month.day for c in FeedbackCount.objects.all()} == {1}
    # Nothing in the table could link an answer to a call, a psychologist or a device.
    with connection.cursor() as cursor:
        columns = {
            col.name
            for col in connection.introspection.get_table_description(cursor, "feedback_feedbackcount")
        }
    assert columns == {"id", "month", "channel", "helped", "listened", "would_call_again", "count"}


@pytest.mark.django_db
def test_a_ticket_is_good_once_and_only_if_it_was_given(client):
    ticket = tickets.issue()
    assert give(client, {"ticket": ticket, "helped": "no"}).status_code == 200
    again = give(client, {"ticket": ticket, "helped": "no"})
    assert again.status_code == 403 and "déjà été donné" in again.json()["error"]
    assert give(client, {"ticket": "x" * 32, "helped": "no"}).status_code == 403
    assert FeedbackCount.objects.get().count == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ("helped=yes", "application/x-www-form-urlencoded", "en JSON"),
        ("{not json", "application/json", "illisible"),
        ({"helped": "yes", "call_id": "3f2b"}, "application/json", "Seules les réponses"),
        ({"helped": "maybe"}, "application/json", "« oui », « un peu » ou « non »"),
        ({"helped": "yes", "listened": "perhaps"}, "application/json", "ou pas du tout"),
    ],
)
def test_a_wrong_answer_gets_a_clear_message_keeps_the_ticket_and_counts_nothing(
    client, body, content_type, message
):
    ticket = tickets.issue()
    if isinstance(body, dict):
        body = {**body, "ticket": ticket}
    response = give(client, body, content_type)
    assert response.status_code == 400 and message in response.json()["error"]
    assert not FeedbackCount.objects.exists()
    assert give(client, {"ticket": ticket, "helped": "partly"}).status_code == 200  # not spent by the error


@pytest.mark.django_db
def test_the_team_sees_a_year_of_ended_periods_with_small_counts_hidden(client, settings):
    settings.ECOUTE_STATS_MIN_CELL = 5
    settings.ECOUTE_STATS_GRID_MONTHS = 3
    for helped, n in (("yes", 30), ("partly", 8), ("no", 2)):
        FeedbackCount.objects.create(month=date(2026, 4, 1), channel="app", helped=helped, count=n)
    FeedbackCount.objects.create(month=date(2026, 11, 1), channel="app", helped="yes", count=50)  # not ended
    figures = counting.helped_over_the_last_year(today=date(2026, 11, 30))
    # "Non" (2) is below k; hidden alone it would be 40 - 30 - 8: "Un peu" (8) is hidden with it.
    assert [row["count"] for row in figures["rows"]] == [30, None, None]
    assert figures["hidden_total"] == 10 and figures["total"] == 40
    log_in(client, make_psychologist("Claire"))
    page = client.get("/espace/retours-des-appelants/").content.decode()
    assert "Cet appel vous a-t-il aidé" in page and "&lt; 5" in page
