"""A follow-up, on a phone-sized screen: the psychologist proposes a time, the caller agrees and keeps
a calendar file made on their phone, and its link brings them back to the same psychologist first."""

import re
from datetime import datetime, timedelta

import icalendar
import pytest

from ecoute.followup import actions
from ecoute.followup.models import FollowUp, FollowUpCount
from tests.browser.helpers import app_call, assert_accessible
from tests.support.cast import make_psychologist
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]


def test_a_follow_up_is_agreed_on_the_phone_kept_in_its_calendar_and_its_link_rings_the_same_psychologist(
    new_page,
):
    claire = make_psychologist("Claire")
    caller, workspace = app_call(new_page, claire)

    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%dT18:30")
    workspace.fill("#follow-up-at-call", tomorrow)
    workspace.click("[data-show=in_call] [data-app-follow-up] button[type=submit]")
    workspace.locator(
        "[data-show=in_call] [data-follow-up-status]:has-text('Proposition envoyée')"
    ).wait_for()
    screenshot(workspace, "workspace-follow-up-proposed")

    offer = caller.locator("#follow-up-offer")
    offer.wait_for()
    assert "Claire vous propose de reprendre contact" in offer.inner_text() and "18:30" in offer.inner_text()
    assert_accessible(caller)
    screenshot(caller, "caller-follow-up-offer-phone")
    offer.get_by_role("button", name="Oui, je veux ce suivi").click()
    calendar_link = offer.get_by_role("link", name="Ajouter à mon agenda")
    calendar_link.wait_for()
    assert "C’est noté" in offer.inner_text()
    with caller.expect_download() as download:
        calendar_link.click()
    raw = open(download.value.path(), "rb").read()
    assert download.value.suggested_filename == "suivi-ecoute.ics" and raw.startswith(b"BEGIN:VCALENDAR\r\n")
    # A calendar file as RFC 5545 reads it (the icalendar library): the agreed time, the link back, an alarm.
    event = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]
    assert event.decoded("DTSTART").astimezone().strftime("%Y-%m-%dT%H:%M") == tomorrow
    assert event.walk("VALARM") and "Claire" not in raw.decode()  # the psychologist's name stays off the file
    token = re.fullmatch(r".*/\?suivi=([A-Za-z0-9_-]+)", str(event["URL"])).group(1)
    assert token in str(event["DESCRIPTION"])
    assert FollowUp.objects.get().token_hash == actions.token_hash(token)
    assert_accessible(caller)
    screenshot(caller, "caller-follow-up-agreed-phone")

    caller.click("#call-panel [data-show=connected] [data-action=hangup]")
    workspace.locator("[data-show=wrap_up]:visible").wait_for()
    become_available_after_the_shortest_wrap_up(workspace)

    # Days later, from the calendar: the link offers Claire first; the token leaves the address bar.
    back = new_page(f"/?suivi={token}")
    way_back = back.locator("#follow-up-back")
    way_back.wait_for()
    assert "suivi=" not in back.url
    assert "Claire est disponible" in way_back.inner_text()
    assert_accessible(back)
    screenshot(back, "caller-follow-up-back-phone")
    way_back.get_by_role("button", name="Appeler Claire maintenant").click()
    workspace.locator("[data-show=ringing]:visible").wait_for()
    assert not FollowUp.objects.exists()
    assert {(c.outcome, c.count) for c in FollowUpCount.objects.all()} == {("planned", 1), ("kept", 1)}


def become_available_after_the_shortest_wrap_up(workspace) -> None:
    """« Je suis prêt·e », pressed again until the line's shortest wrap-up is over (it says so meanwhile)."""
    status = workspace.locator("#status-label")
    for _ in range(120):
        workspace.click("[data-show=wrap_up] [data-action=ready]")
        workspace.wait_for_timeout(500)
        if status.inner_text() == "Disponible":
            return
    raise AssertionError(f"still {status.inner_text()!r} after a minute of « Je suis prêt·e »")


def test_a_link_whose_psychologist_is_away_offers_the_first_one_free_and_a_used_link_says_so(new_page):
    marc = make_psychologist("Marc")
    at = datetime.now().astimezone() + timedelta(hours=1)
    FollowUp.objects.create(
        token_hash=actions.token_hash("m" * 43), psychologist=marc, at=at, expires_at=at + timedelta(hours=72)
    )
    back = new_page("/?suivi=" + "m" * 43)
    way_back = back.locator("#follow-up-back")
    way_back.wait_for()
    assert "Marc n’est pas disponible pour l’instant" in way_back.inner_text()
    assert way_back.get_by_role("button", name="Parler au premier psychologue libre").is_visible()
    assert_accessible(back)
    screenshot(back, "caller-follow-up-away-phone")

    again = new_page("/?suivi=" + "m" * 43)
    again.locator("#follow-up-back:has-text('a expiré ou a déjà servi')").wait_for()
    assert again.locator("#follow-up-back button:visible").count() == 0
    screenshot(again, "caller-follow-up-used-phone")
