"""Historical records from CSV: line-numbered errors, all stored or none."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ecoute.contacts.models import ContactRecord, ContactTally

pytestmark = pytest.mark.django_db
HEADER = "date;duree_minutes;canal;premier_appel;profession;statut;secteur;departement;tranche_age;motifs;risque;orientations;suite;note\n"
GOOD = [
    "2019-03-04T21:15;25;phone;oui;infirmier;salarie;hopital-public;75;35-44;epuisement|sommeil;modere;psychologue-reseau;rappel-appelant;\n",
    "2019-03-05;40;app;non;medecin;liberal;cabinet;;45-54;conflit-hierarchie;faible;;aucune;note historique\n",
]


def write(tmp_path: Path, lines: list[str], header: str = HEADER) -> str:
    path = tmp_path / "fiches.csv"
    path.write_text(header + "".join(lines), encoding="utf-8")
    return str(path)


def test_a_valid_file_is_stored_and_counted(tmp_path, capsys):
    call_command("import_contacts", write(tmp_path, GOOD))
    assert "2 fiches importées" in capsys.readouterr().out
    first = ContactRecord.objects.get(profession__code="infirmier")
    assert first.author is None and first.call is None and first.duration_seconds == 25 * 60
    assert sorted(first.reasons.values_list("code", flat=True)) == ["epuisement", "sommeil"]
    assert not first.returning and ContactRecord.objects.get(profession__code="medecin").returning
    assert (
        sum(ContactTally.objects.filter(span="day", dimension="total").values_list("count", flat=True)) == 2
    )


def test_errors_name_their_lines_and_nothing_is_stored(tmp_path):
    bad = GOOD + [
        "2019-13-01;25;phone;oui;infirmier;salarie;;;;epuisement;;;;\n",
        "2019-03-06;vingt;fax;peut-être;astronaute;salarie;;;;;;;;\n",
    ]
    with pytest.raises(CommandError) as failure:
        call_command("import_contacts", write(tmp_path, bad))
    message = str(failure.value)
    assert "Aucune fiche importée" in message
    assert "ligne 4, colonne « date » : « 2019-13-01 » illisible" in message
    assert "ligne 5, colonne « duree_minutes » : « vingt »" in message
    assert "ligne 5, colonne « canal » : « fax » inconnu" in message
    assert "ligne 5, colonne « premier_appel » : « peut-être »" in message
    assert "ligne 5, colonne « profession » : code « astronaute » inconnu" in message
    assert "ligne 5, colonne « motifs » : vide" in message
    assert not ContactRecord.objects.exists() and not ContactTally.objects.exists()


def test_a_wrong_header_is_refused_before_any_line(tmp_path):
    with pytest.raises(
        CommandError, match="ligne 1, colonne « motifs » : colonne obligatoire absente"
    ) as failure:
        call_command("import_contacts", write(tmp_path, GOOD, header=HEADER.replace("motifs", "motif")))
    assert "ligne 1, colonne « motif » : colonne inconnue" in str(failure.value)
    assert not ContactRecord.objects.exists()


def test_a_missing_or_unreadable_file_says_so(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_contacts", str(tmp_path / "absent.csv"))
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(
        (HEADER + GOOD[0].replace("oui", "oui")).encode("utf-8").replace(b"21:15", b"21:15\xe9")
    )
    with pytest.raises(CommandError):
        call_command("import_contacts", str(latin))
    assert not ContactRecord.objects.exists()


def test_the_documented_example_imports(tmp_path):
    example = Path(__file__).resolve().parents[2] / "docs" / "contacts-import-example.csv"
    call_command("import_contacts", str(example))
    assert ContactRecord.objects.count() >= 3
