"""The caller's board puts whoever frees up first, live, without moving what the caller is looking at."""

import pytest

from tests.browser.helpers import card, log_in_and_go_available, wait_until
from tests.support.cast import make_psychologist
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1280, "height": 800}
# Unavailable colleagues ahead of her in the alphabet: Zoé's card starts last, far down a phone screen.
OTHERS = ("Anne", "Bruno", "Carla", "David", "Elsa", "Farid", "Gaëlle", "Hugo", "Inès", "Julien", "Karim")
BOARD_ORDER = "[...document.querySelectorAll('#board > .card')].map((card) => Number(card.dataset.id))"


def top_of(page, user) -> float:
    return page.evaluate(
        f"document.querySelector('.card[data-id=\"{user.pk}\"]').getBoundingClientRect().top"
    )


def in_view(page, user) -> bool:
    top = top_of(page, user)
    return 0 <= top < page.viewport_size["height"] - 100


def zoe_and_her_colleagues(new_page):
    others = [make_psychologist(name) for name in OTHERS]
    zoe = make_psychologist("Zoé")
    caller = new_page("/")
    assert caller.evaluate(BOARD_ORDER)[-1] == zoe.pk
    return caller, zoe, others


def test_who_frees_up_comes_first_while_the_caller_looks_at_the_top_of_the_board(new_page):
    caller, zoe, _ = zoe_and_her_colleagues(new_page)
    assert not in_view(caller, zoe)

    log_in_and_go_available(new_page("/espace/", viewport=LAPTOP), zoe)

    wait_until(caller, f"{BOARD_ORDER}[0] === {zoe.pk}")  # no reload: the same page
    card(caller, zoe).locator(".status-label:text('Disponible')").wait_for()
    caller.wait_for_timeout(400)  # the end of her card's short fade-in, for the screenshot
    assert in_view(caller, zoe), top_of(caller, zoe)
    assert caller.locator("#freed-banner").is_hidden()  # she is in sight: nothing more to say
    screenshot(caller, "caller-board-freed-first")


def test_a_caller_further_down_keeps_their_place_and_a_banner_takes_them_to_who_is_free(new_page):
    caller, zoe, others = zoe_and_her_colleagues(new_page)
    farid = others[OTHERS.index("Farid")]
    caller.evaluate(
        f"document.querySelector('.card[data-id=\"{farid.pk}\"]').scrollIntoView({{block: 'center'}})"
    )
    caller.wait_for_timeout(100)
    farid_top = top_of(caller, farid)

    log_in_and_go_available(new_page("/espace/", viewport=LAPTOP), zoe)

    banner = caller.locator("#freed-banner button")
    banner.locator("text=1 psychologue vient de se libérer").wait_for()
    assert caller.evaluate(BOARD_ORDER)[0] == zoe.pk
    # Zoé went to the top, above the screen; what the caller was reading did not move under their finger.
    assert abs(top_of(caller, farid) - farid_top) <= 2
    assert not in_view(caller, zoe)
    screenshot(caller, "caller-board-freed-banner")

    banner.click()
    wait_until(
        caller,
        f"document.activeElement === document.querySelector('.card[data-id=\"{zoe.pk}\"] [data-call]')",
    )
    wait_until(
        caller,
        "(() => { const top = document.activeElement.getBoundingClientRect().top; return top >= 0 && top < innerHeight - 100; })()",
    )
    assert caller.locator("#freed-banner").is_hidden()
    caller.wait_for_timeout(600)  # the end of the smooth scroll, for the screenshot
    screenshot(caller, "caller-board-freed-shown")
