"""The one way a CSV is imported (ecoute/lib/tabular.py), shown on a small file of languages: every
problem names its line, one wrong line stores nothing, a file too large is refused whole."""

import pytest

from ecoute.accounts.models import Language
from ecoute.lib import tabular
from ecoute.lib.tabular import LineError, Rejected

pytestmark = pytest.mark.django_db


def check_language(line: int, row: dict):
    """An importer's own check: the code is two lowercase letters."""
    code = row["code"]
    errors = (
        []
        if len(code) == 2 and code.isalpha() and code.islower()
        else [LineError(line, "code", "deux lettres.")]
    )
    return row, errors


def store_languages(rows: list[dict]) -> int:
    for row in rows:
        Language.objects.create(code=row["code"], name=row["nom"])
    return len(rows)


def import_languages(text: str, **limits) -> int:
    rows = tabular.read_rows(text.encode(), ["code", "nom"], [], **limits)
    return tabular.import_all_or_nothing(rows, check_language, store_languages)


def refusal(text: str, **limits) -> list[str]:
    before = set(Language.objects.values_list("code", flat=True))
    with pytest.raises(Rejected) as rejected:
        import_languages(text, **limits)
    assert set(Language.objects.values_list("code", flat=True)) == before  # nothing stored
    return [str(error) for error in rejected.value.errors]


def test_a_good_file_is_stored_whole():
    assert import_languages("code;nom\nqu;quechua\nwo;wolof\n") == 2
    assert set(Language.objects.filter(code__in=["qu", "wo"]).values_list("name", flat=True)) == {
        "quechua",
        "wolof",
    }


def test_every_bad_line_is_reported_with_its_line_in_the_file_and_nothing_is_stored():
    # Line 3 holds a cell over two lines of the file: the next record starts on line 5.
    text = 'code;nom\nqu;quechua\nwo;"wolof\n(Sénégal)"\nQQ;faux\nzz;correct\nx1;faux aussi\n'
    assert refusal(text) == [
        "ligne 5, colonne « code » : deux lettres.",
        "ligne 7, colonne « code » : deux lettres.",
    ]


def test_a_failure_while_storing_rolls_back_the_rows_already_stored():
    Language.objects.get_or_create(code="wo", defaults={"name": "wolof"})
    before = Language.objects.count()
    rows = tabular.read_rows(b"code,nom\nqu,quechua\nwo,wolof encore\n", ["code", "nom"], [])
    with pytest.raises(Exception, match="unique|UNIQUE|duplicate"):
        tabular.import_all_or_nothing(rows, check_language, store_languages)
    assert Language.objects.count() == before and not Language.objects.filter(code="qu").exists()


def test_a_file_too_large_or_too_long_is_refused_whole():
    text = "code;nom\n" + "".join(f"{a}{b};langue\n" for a in "abc" for b in "abcdefghij")
    too_large = refusal(text, max_bytes=len(text.encode()) - 1)
    assert len(too_large) == 1 and too_large[0].startswith("ligne 0 : fichier trop gros")
    assert refusal(text, max_lines=29) == ["ligne 31 : plus de 29 lignes : découpez le fichier."]
    assert import_languages(text, max_lines=30) == 30


def test_a_cell_over_its_limit_is_named_and_its_line_not_read_further():
    errors = refusal("code;nom\nqu;" + "q" * (tabular.MAX_CELL_CHARS + 1) + "\nQQ;faux\n")
    assert errors == [
        f"ligne 2, colonne « nom » : {tabular.MAX_CELL_CHARS + 1} caractères ; {tabular.MAX_CELL_CHARS} au plus.",
        "ligne 3, colonne « code » : deux lettres.",
    ]


def test_the_header_and_the_width_of_each_line_are_checked_before_any_line_is_read():
    assert refusal("code;langue\nqu;quechua\n") == [
        "ligne 1, colonne « langue » : colonne inconnue (colonnes permises : code, nom).",
        "ligne 1, colonne « nom » : colonne obligatoire absente.",
    ]
    assert refusal("code;nom;code\nqu;quechua;qu\n") == ["ligne 1, colonne « code » : colonne en double."]
    assert refusal("code;nom\nqu;quechua;en trop\nwo\nQQ;faux\n") == [
        "ligne 2 : 3 valeurs pour 2 colonnes.",
        "ligne 3 : 1 valeurs pour 2 colonnes.",
    ]


def test_the_listing_of_a_refusal_stops_at_its_limit():
    rejected = Rejected([LineError(line, "code", "deux lettres.") for line in range(2, 62)])
    listing = rejected.listing(limit=50)
    assert str(rejected) == "60 erreur(s)"
    assert listing.count("\n") == 50 and listing.endswith("… et 10 autres erreurs")
