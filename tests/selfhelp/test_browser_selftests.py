"""A self-test on a phone, in Debian's Chromium: scored on the device, help at once on PHQ-9's item 9,
nothing sent without consent (the network is watched), results kept on the device until erased."""

import json

import pytest

from ecoute.selfhelp.instruments import PHQ9, WHO5, score
from ecoute.selfhelp.models import SelfTestCount
from tests.browser.helpers import wait_until
from tests.support.accessibility import serious_violations
from tests.support.contacts import ensure_taxonomies
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_requests(page) -> list:
    sent = []
    page.on("request", lambda request: sent.append(request))
    return sent


def answer(page, answers):
    for index, value in enumerate(answers):
        page.locator(f"input[name='item-{index}'][value='{value}']").check()


def test_phq9_on_a_phone_helps_at_once_and_sends_nothing_without_consent(new_site_page):
    ensure_taxonomies()
    page = new_site_page("/auto-tests/phq9/")
    assert serious_violations(page) == []
    sent = watch_requests(page)
    answers = [1, 2, 0, 3, 1, 0, 1, 0, 0]
    answer(page, answers[:8])
    assert page.locator("#urgent-help").is_hidden()
    page.locator("input[name='item-8'][value='1']").check()
    # Help shows the moment item 9 is answered above 0, before any result.
    assert page.locator("#urgent-help").is_visible()
    assert page.locator("#result").is_hidden()
    page.locator("#urgent-help").scroll_into_view_if_needed()
    screenshot(page, "selftest-phq9-item9-help-phone")
    page.get_by_role("button", name="Voir mon résultat").click()
    page.wait_for_selector("#result:not([hidden])")
    expected = score(PHQ9, answers[:8] + [1])
    assert page.locator("#result").get_attribute("data-score") == str(expected.score)
    assert page.locator("#result").get_attribute("data-band") == expected.band.code
    assert page.locator("#result-urgent").is_visible()
    assert "pas un diagnostic" in page.locator("#result").inner_text()
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "selftest-phq9-result-phone")
    # Nothing left the browser: no request at all since the page was loaded.
    assert [r.url for r in sent] == []
    # Kept on the device, on purpose.
    page.get_by_label("Garder ce résultat sur cet appareil").check()
    kept = json.loads(page.evaluate("localStorage.getItem('ecoute.selftests')"))
    assert [(k["test"], k["score"]) for k in kept] == [("phq9", expected.score)]
    # Consent: one request, holding the band and the profession, nothing else.
    page.get_by_label("Profession (facultatif)").select_option("infirmier")
    page.get_by_role("button", name="Je donne ce résultat anonymement").click()
    wait_until(page, "document.getElementById('contribute-status').textContent.includes('Merci')")
    assert len(sent) == 1 and sent[0].method == "POST"
    assert json.loads(sent[0].post_data) == {"band": expected.band.code, "profession": "infirmier"}
    assert "cookie" not in {name.lower() for name in sent[0].headers}
    assert SelfTestCount.objects.get().count == 1
    # The trend on the device, and its erase button.
    page.goto("/auto-tests/")
    page.wait_for_selector("#trend:not([hidden]) #trend-list li")
    assert "PHQ9" in page.locator("#trend-list").inner_text()
    assert serious_violations(page) == []
    screenshot(page, "selftests-trend-phone")
    page.get_by_role("button", name="Effacer mes résultats de cet appareil").click()
    assert page.evaluate("localStorage.getItem('ecoute.selftests')") is None
    assert "effacés" in page.locator("#trend-list").inner_text()


def test_who5_missing_answers_are_said_and_the_score_is_the_published_one(new_site_page):
    page = new_site_page("/auto-tests/who5/")
    answer(page, [5, 3, 2])
    page.get_by_role("button", name="Voir mon résultat").click()
    assert page.locator("#missing").is_visible() and page.locator("#result").is_hidden()
    assert page.evaluate("document.activeElement.name") == "item-3"
    answer(page, [5, 3, 2, 1, 0])
    page.get_by_role("button", name="Voir mon résultat").click()
    page.wait_for_selector("#result:not([hidden])")
    expected = score(WHO5, [5, 3, 2, 1, 0])
    assert page.locator("#score").inner_text() == str(expected.score) == "44"
    assert page.locator("#result").get_attribute("data-band") == "low"
    assert page.locator("#result-urgent").is_hidden()
