"""Self-tests: each instrument's published scoring, item 9 of the PHQ-9, and the only thing that may
reach the server, an anonymous count given on purpose."""

import json

import pytest

from ecoute.selfhelp.instruments import GAD7, INSTRUMENTS, PHQ9, WHO5, InvalidAnswers, score
from ecoute.selfhelp.models import SelfTestCount
from tests.support.contacts import ensure_taxonomies
from tests.test_english_pages import french_in

pytestmark = pytest.mark.django_db


def answers_summing_to(total: int, items: int, top: int = 3) -> list[int]:
    answers = []
    for _ in range(items):
        answers.append(min(top, total))
        total -= answers[-1]
    assert total == 0
    return answers


# Kroenke et al. 2001: 5, 10, 15 and 20 are the cut points of mild, moderate, moderately severe and severe.
@pytest.mark.parametrize(
    "total, band",
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands_follow_the_published_cut_points(total, band):
    answers = answers_summing_to(total, 8) + [0] if total <= 24 else [3] * 9
    result = score(PHQ9, answers)
    assert (result.score, result.band.code, result.urgent) == (total, band, answers[8] > 0)


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item_9_above_0_is_urgent_whatever_the_total(item9):
    result = score(PHQ9, [0] * 8 + [item9])
    assert result.urgent and result.band.code == "minimal"


# Spitzer et al. 2006: 5, 10 and 15 are the cut points of mild, moderate and severe anxiety.
@pytest.mark.parametrize(
    "total, band",
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_bands_follow_the_published_cut_points(total, band):
    result = score(GAD7, answers_summing_to(total, 7))
    assert (result.score, result.band.code, result.urgent) == (total, band, False)


# WHO-5 (Topp et al. 2015): the raw score (0-25) times 4; 50 or less is poor well-being, 28 or less suggests depression.
@pytest.mark.parametrize(
    "raw, percent, band",
    [
        (25, 100, "good"),
        (13, 52, "good"),
        (12, 48, "low"),
        (8, 32, "low"),
        (7, 28, "very_low"),
        (0, 0, "very_low"),
    ],
)
def test_who5_is_scored_in_percent_with_the_published_thresholds(raw, percent, band):
    result = score(WHO5, answers_summing_to(raw, 5, top=5))
    assert (result.score, result.band.code) == (percent, band)


@pytest.mark.parametrize("code", list(INSTRUMENTS))
def test_every_score_falls_in_exactly_one_band(code):
    instrument = INSTRUMENTS[code]
    for total in range(0, instrument.max_score + 1, instrument.multiplier):
        assert sum(band.low <= total <= band.high for band in instrument.bands) == 1, total
    assert instrument.source and instrument.licence


@pytest.mark.parametrize("answers", [[0] * 8, [0] * 10, [0] * 8 + [4], [0] * 8 + [-1], [0] * 8 + ["1"]])
def test_wrong_answers_are_refused(answers):
    with pytest.raises(InvalidAnswers):
        score(PHQ9, answers)


def test_the_page_carries_the_instrument_and_the_help_before_any_answer(client):
    html = client.get("/auto-tests/phq9/").content.decode()
    data = json.loads(html.split('id="instrument-data" type="application/json">')[1].split("</script>")[0])
    assert len(data["items"]) == 9 and data["urgentItem"] == 8 and data["max"] == 27
    assert 'id="urgent-help"' in html and 'id="help-now"' in html and "pas un diagnostic" in html
    assert client.get("/auto-tests/mbi/").status_code == 404


def test_the_pages_are_in_english_for_an_english_reader(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for path in ("/auto-tests/", "/auto-tests/phq9/", "/auto-tests/gad7/", "/auto-tests/who5/"):
        html = client.get(path).content.decode()
        assert french_in(html, allowed=["et al."]) == [], path
    assert "Little interest or pleasure in doing things" in client.get("/auto-tests/phq9/").content.decode()


def _contribute(client, code="phq9", **body):
    return client.post(f"/auto-tests/{code}/contribution/", json.dumps(body), content_type="application/json")


def test_a_contribution_is_a_count_of_band_profession_and_month_only(client):
    ensure_taxonomies()
    assert _contribute(client, band="mild", profession="infirmier").status_code == 200
    assert _contribute(client, band="mild", profession="infirmier").status_code == 200
    assert _contribute(client, band="severe").status_code == 200
    rows = {(r.instrument, r.band, r.profession, r.month.day, r.count) for r in SelfTestCount.objects.all()}
    assert rows == {("phq9", "mild", "infirmier", 1, 2), ("phq9", "severe", "", 1, 1)}
    assert [f.name for f in SelfTestCount._meta.fields] == [
        "id",
        "instrument",
        "band",
        "profession",
        "month",
        "count",
    ]


@pytest.mark.parametrize(
    "body, message",
    [
        ({"band": "mild", "score": 7}, "Seuls le niveau"),
        ({"band": "mild", "answers": [1, 2]}, "Seuls le niveau"),
        ({"band": "terrible"}, "Niveau de résultat inconnu"),
        ({"band": "mild", "profession": "astronaute"}, "Profession inconnue"),
        ({"band": "mild", "profession": 3}, "Profession inconnue"),
    ],
)
def test_a_wrong_contribution_is_refused_with_a_message_and_counts_nothing(client, body, message):
    ensure_taxonomies()
    response = _contribute(client, **body)
    assert response.status_code == 400 and message in response.json()["error"]
    assert not SelfTestCount.objects.exists()


def test_a_contribution_must_be_json(client):
    response = client.post("/auto-tests/phq9/contribution/", {"band": "mild"})
    assert response.status_code == 400 and "JSON" in response.json()["error"]
    bad = client.post("/auto-tests/phq9/contribution/", "{nope", content_type="application/json")
    assert bad.status_code == 400 and "illisible" in bad.json()["error"]
    assert not SelfTestCount.objects.exists()


def test_statisticians_see_the_contributions_with_small_cells_hidden(client, settings):
    from ecoute.accounts.models import Role
    from ecoute.selfhelp.selftests import count_one
    from tests.support.cast import _user, make_psychologist
    from tests.support.twofactor import log_in

    settings.ECOUTE_STATS_MIN_CELL = 5
    for band, n in (("mild", 12), ("moderate", 6), ("severe", 2)):
        for _ in range(n):
            count_one("phq9", band, "")
    assert log_in(client, make_psychologist("Paul")).get("/auto-tests/chiffres/").status_code == 403
    html = log_in(client, _user("stat", Role.STATISTICIAN)).get("/auto-tests/chiffres/").content.decode()
    phq9 = html.split("Humeur (PHQ-9)")[1].split("</table>")[0]
    assert ">12<" in phq9 and ">6<" not in phq9 and ">2<" not in phq9 and "&lt; 5" in phq9
    assert ">8<" in phq9  # severe and moderate hidden together, their sum shown
