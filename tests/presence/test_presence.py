"""A psychologist's own choices of presence, and the board callers see."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ecoute.presence.actions import PresenceError, choose_status, open_session
from ecoute.presence.models import Presence, Status
from ecoute.presence.queries import board_entries
from tests.support.cast import make_psychologist

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("start", [Status.OFFLINE, Status.AVAILABLE, Status.BREAK, Status.WRAP_UP])
@pytest.mark.parametrize("target", [Status.AVAILABLE, Status.BREAK, Status.OFFLINE])
def test_a_psychologist_chooses_available_break_or_offline(start, target):
    claire = make_psychologist(status=start)
    # A wrap-up begun long enough ago (listener protection: tested below).
    Presence.objects.filter(pk=claire.pk).update(changed_at=timezone.now() - timedelta(minutes=5))
    choose_status(claire.pk, "test-session", target)
    assert Presence.objects.get(pk=claire.pk).status == target


def test_a_wrap_up_cannot_be_cut_shorter_than_the_minimum(settings):
    settings.ECOUTE_MIN_WRAP_UP_SECONDS = 30
    claire = make_psychologist(status=Status.WRAP_UP)
    Presence.objects.filter(pk=claire.pk).update(changed_at=timezone.now() - timedelta(seconds=20))
    with pytest.raises(PresenceError, match="30 s"):
        choose_status(claire.pk, "test-session", Status.AVAILABLE)
    assert Presence.objects.get(pk=claire.pk).status == Status.WRAP_UP
    choose_status(claire.pk, "test-session", Status.BREAK)  # a break is always allowed
    assert Presence.objects.get(pk=claire.pk).status == Status.BREAK


@pytest.mark.parametrize("start", [Status.RINGING, Status.IN_CALL])
def test_no_one_leaves_a_call_by_changing_status(start):
    claire = make_psychologist(status=start)
    with pytest.raises(PresenceError, match="appel"):
        choose_status(claire.pk, "test-session", Status.OFFLINE)
    assert Presence.objects.get(pk=claire.pk).status == start


@pytest.mark.parametrize("target", [Status.RINGING, Status.IN_CALL, "on_the_moon"])
def test_statuses_that_only_the_line_sets_cannot_be_chosen(target):
    claire = make_psychologist(status=Status.AVAILABLE)
    with pytest.raises(PresenceError):
        choose_status(claire.pk, "test-session", target)
    assert Presence.objects.get(pk=claire.pk).status == Status.AVAILABLE


def test_only_the_window_that_speaks_for_the_psychologist_changes_their_status():
    claire = make_psychologist(status=Status.AVAILABLE)
    open_session(claire.pk, "new-window")
    with pytest.raises(PresenceError, match="autre fenêtre"):
        choose_status(claire.pk, "test-session", Status.OFFLINE)
    assert Presence.objects.get(pk=claire.pk).status == Status.AVAILABLE


def test_the_board_shows_available_first_and_tells_callers_nothing_more_than_needed():
    make_psychologist("Zoé", status=Status.AVAILABLE)
    make_psychologist("Anne", status=Status.IN_CALL)
    make_psychologist("Bruno", status=Status.BREAK)
    make_psychologist("Carla", status=Status.WRAP_UP)
    hidden = make_psychologist("Inactive", status=Status.AVAILABLE)
    hidden.listener_profile.active = False
    hidden.listener_profile.save()
    entries = board_entries()
    assert [(e["name"], e["status"]) for e in entries] == [
        ("Zoé", "available"),
        ("Carla", "finishing"),  # her wrap-up: free soon, and not "on a call" to the caller who just hung up
        ("Anne", "busy"),
        ("Bruno", "away"),
    ]
    assert set(entries[0]) == {
        "id",
        "name",
        "initials",
        "photo",
        "presentation",
        "languages",
        "status",
        "status_label",
        "version",
    }


def test_a_psychologist_without_presence_yet_is_shown_away():
    claire = make_psychologist()
    Presence.objects.filter(pk=claire.pk).delete()
    assert board_entries()[0]["status"] == "away"
