"""The public page /chiffres/ shows the largest rows of each distribution and says what it merged."""

import re

import pytest

from ecoute.contacts.generate import generate
from ecoute.stats import figures

pytestmark = pytest.mark.django_db


def test_the_rows_beyond_the_first_ten_are_merged_into_a_line_that_says_so(client, settings):
    settings.ECOUTE_STATS_MIN_CELL = 1
    generate(3000, days=420, seed=7)
    report = figures.public_report()
    professions = next(d for d in report["dimensions"] if d["dimension"] == "profession")
    reasons = next(d for d in report["dimensions"] if d["dimension"] == "reason")
    assert len(professions["rows"]) > 10 and len(reasons["rows"]) > 10
    page = client.get("/chiffres/").content.decode()
    merged = re.findall(
        r'<tr class="other beyond"><th scope="row">Autres \((\d+) catégories regroupées\)</th>.*?<td class="num">([^<]*)</td>',
        page,
        re.S,
    )
    beyond_professions = sum(row["count"] for row in professions["rows"][10:])
    # Professions: one per contact, so the merged rows add up; reasons: several, so no sum is given.
    assert (str(len(professions["rows"]) - 10), str(beyond_professions)) in merged
    assert (str(len(reasons["rows"]) - 10), "") in merged
