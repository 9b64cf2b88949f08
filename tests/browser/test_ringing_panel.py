"""The workspace's ringing panel: its Accept always acts on the call that rings."""

import uuid

import pytest

from ecoute.calls import actions
from ecoute.calls.models import Call, CallState
from ecoute.presence import actions as presence
from ecoute.presence.models import Status
from tests.browser.helpers import log_in_and_go_available
from tests.support.cast import make_psychologist
from tests.support.threads import run_together

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]


def on_the_server(action):
    """ACTION's result, run in a thread of its own: Playwright's event loop runs in this one, and the
    channel layer's sends after commit may not run inside it."""
    (result,) = run_together([action])
    if isinstance(result, Exception):
        raise result
    return result


def test_the_ringing_panel_waits_for_the_call_it_answers(new_page):
    claire = make_psychologist("Claire")
    workspace = new_page("/espace/", viewport={"width": 1280, "height": 800})
    log_in_and_go_available(workspace, claire)

    # The status says "ringing" (presence.self) a moment before call.ringing names the call; here
    # call.ringing never comes: the panel, whose Accept would have nothing to accept, stays hidden.
    assert on_the_server(lambda: presence.move(claire.pk, [Status.AVAILABLE], Status.RINGING))
    workspace.wait_for_selector("#status-label:has-text('Un appel sonne')")
    assert workspace.locator("[data-show=ringing]").is_hidden()
    assert on_the_server(lambda: presence.move(claire.pk, [Status.RINGING], Status.AVAILABLE))
    workspace.wait_for_selector("#status-label:has-text('Disponible')")

    # A real ring: the panel shows with the call, and its Accept answers that call.
    call = on_the_server(lambda: actions.ring_psychologist(uuid.uuid4(), claire.pk))
    workspace.locator("[data-show=ringing]:visible").wait_for()
    workspace.click("[data-action=accept]")
    workspace.wait_for_selector("#status-label:has-text('En communication')")
    call.refresh_from_db()
    assert call.state == CallState.CONNECTED and call.psychologist == claire
    assert Call.objects.count() == 1
