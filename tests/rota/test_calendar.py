"""Each psychologist's shifts reach their calendar app through a private link they can replace."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from ecoute.rota.models import Commitment, Shift, ShiftStatus
from tests.support.cast import make_psychologist
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


def feed_path(user) -> str:
    return f"/gardes/{Commitment.objects.get(user=user).feed_key}.ics"


def test_the_feed_holds_one_s_own_shifts_and_no_one_else_s(client):
    claire, marc = make_psychologist("Claire"), make_psychologist("Marc")
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    mine = Shift.objects.create(
        user=claire, start=start, end=start + timedelta(hours=6), status=ShiftStatus.CONFIRMED
    )
    Shift.objects.create(user=marc, start=start, end=start + timedelta(hours=4))
    Commitment.objects.create(user=claire)
    response = client.get(feed_path(claire))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "private, no-store"
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [(e.decoded("dtstart"), e.decoded("dtend"), str(e["status"])) for e in events] == [
        (mine.start, mine.end, "CONFIRMED")
    ]


def test_a_wrong_key_or_a_departed_psychologist_reads_nothing(client):
    claire = make_psychologist("Claire")
    Commitment.objects.create(user=claire)
    assert client.get("/gardes/devine.ics").status_code == 404
    path = feed_path(claire)
    claire.is_active = False
    claire.save()
    assert client.get(path).status_code == 404


def test_a_new_link_cuts_off_the_old_one(client):
    claire = make_psychologist("Claire")
    log_in(client, claire)
    page = client.get("/espace/disponibilites/").content.decode()
    old = feed_path(claire)
    assert old in page
    client.post("/espace/disponibilites/nouveau-lien/")
    assert client.get(old).status_code == 404
    assert client.get(feed_path(claire)).status_code == 200 and feed_path(claire) != old
