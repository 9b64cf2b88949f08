"""CSV import: every bad row reported with its line number, nothing written on refusal, re-import idempotent."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ecoute.directory.importer import ImportRejected, import_csv
from ecoute.directory.models import Entry

pytestmark = pytest.mark.usefixtures("geography")

HEADER = "external_id,kind,name,profession,service_type,unit_status,beds,themes,languages,networks,teleconsultation,commune_insee,postal_code,phone,email,website,last_verified"
GOOD = [
    "pro-1,professional,Dr Claire Martin,psychiatre,,,,burnout|sommeil,en,sps,oui,33063,33000,05 56 00 00 01,,https://example.org,2026-01-10",
    "unit-1,unit,Unité dédiée de Bordeaux,,,open,24,burnout|depression,,sps,non,33063,33000,,contact@example.org,,2026-01-10",
    "legal-1,service,Conseil juridique,,legal,,,harcelement,,,oui,33063,33000,01 00 00 00 00,,,2026-01-10",
]


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode()


def test_a_good_file_imports_every_row():
    report = import_csv(csv_bytes(GOOD[0], GOOD[1]))
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    claire = Entry.objects.get(external_id="pro-1")
    assert claire.profession.slug == "psychiatre" and claire.teleconsultation
    assert sorted(claire.themes.values_list("slug", flat=True)) == ["burnout", "sommeil"]
    assert (
        claire.commune.name == "Bordeaux" and claire.latitude == claire.commune.latitude
    )  # the town hall's position
    assert Entry.objects.get(external_id="unit-1").beds == 24


def test_importing_the_same_file_again_changes_nothing():
    data = csv_bytes(GOOD[0], GOOD[1])
    import_csv(data)
    before = list(Entry.objects.order_by("pk").values())
    report = import_csv(data)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert list(Entry.objects.order_by("pk").values()) == before


def test_a_changed_row_updates_its_entry_without_a_duplicate():
    import_csv(csv_bytes(GOOD[0]))
    report = import_csv(
        csv_bytes(
            GOOD[0].replace("burnout|sommeil", "trauma").replace("Dr Claire Martin", "Dr Claire Martin-Roux")
        )
    )
    assert (report.created, report.updated) == (0, 1)
    claire = Entry.objects.get(external_id="pro-1")
    assert claire.name == "Dr Claire Martin-Roux" and list(claire.themes.values_list("slug", flat=True)) == [
        "trauma"
    ]
    assert Entry.objects.count() == 1


def test_bad_rows_are_all_reported_with_their_line_and_nothing_is_written():
    import_csv(csv_bytes(GOOD[0]))
    before = list(Entry.objects.order_by("pk").values())
    bad = csv_bytes(
        GOOD[0].replace("Dr Claire Martin", "Changed name"),  # line 2: valid, but must not be applied
        "pro-2,sorcier,Merlin,,,,,,,,,33063,,,,,2026-01-10",  # line 3
        "pro-3,professional,Dr Sans Commune,psychologue,,,,,,,,99999,,,,,2026-01-10",  # line 4
        "pro-4,professional,Dr Futur,psychologue,,,,licornes,,,peut-être,33063,75001,,pas-un-courriel,ftp://x,2999-01-01",  # line 5
        GOOD[0],  # line 6: the same external id twice
    )
    with pytest.raises(ImportRejected) as rejected:
        import_csv(bad)
    found = {(error.line, error.column) for error in rejected.value.errors}
    assert {
        (3, "kind"),
        (4, "commune_insee"),
        (5, "themes"),
        (5, "teleconsultation"),
        (5, "postal_code"),
        (5, "email"),
        (5, "website"),
        (5, "last_verified"),
        (6, "external_id"),
    } <= found
    assert all(error.line != 2 for error in rejected.value.errors)
    assert "ligne 3, colonne « kind » : « sorcier » inconnu" in str(
        next(e for e in rejected.value.errors if e.line == 3)
    )
    assert list(Entry.objects.order_by("pk").values()) == before


def test_kind_specific_columns_are_required_where_they_apply():
    with pytest.raises(ImportRejected) as rejected:
        import_csv(
            csv_bytes(
                "pro-1,professional,Sans profession,,,,,,,,,33063,,,,,2026-01-10",
                "unit-1,unit,Unité sans état,,,,,,,,,33063,,,,,2026-01-10",
                "svc-1,service,Service,,,open,,,,,,33063,,,,,2026-01-10",
                "pro-2,professional,Nulle part,psychologue,,,,,,,,,,,,,2026-01-10",
            )
        )
    found = {(error.line, error.column) for error in rejected.value.errors}
    assert {
        (2, "profession"),
        (3, "unit_status"),
        (4, "service_type"),
        (4, "unit_status"),
        (5, "commune_insee"),
    } <= found


def test_a_wrong_header_is_refused_on_line_1():
    with pytest.raises(ImportRejected) as rejected:
        import_csv(csv_bytes(GOOD[0], header=HEADER.replace("kind", "type")))
    assert {(1, "type"), (1, "kind")} <= {(error.line, error.column) for error in rejected.value.errors}


def test_excel_files_with_a_byte_order_mark_and_semicolons_are_read():
    data = "\ufeff" + "\n".join([HEADER.replace(",", ";"), GOOD[0].replace(",", ";")])
    assert import_csv(data.encode()).created == 1


def test_a_file_not_in_utf8_is_refused():
    with pytest.raises(ImportRejected, match="erreur"):
        import_csv(csv_bytes(GOOD[0]).replace(b"Claire", "Cléa".encode("latin-1")))


def test_the_command_reports_errors_and_changes_nothing(tmp_path, capsys):
    path = tmp_path / "annuaire.csv"
    path.write_bytes(csv_bytes("pro-2,sorcier,Merlin,,,,,,,,,33063,,,,,2026-01-10"))
    with pytest.raises(CommandError, match="rien n’a été modifié"):
        call_command("import_directory", str(path))
    assert "ligne 2" in capsys.readouterr().err and not Entry.objects.exists()
    path.write_bytes(csv_bytes(*GOOD))
    call_command("import_directory", str(path))
    assert Entry.objects.count() == 3


def test_the_demo_directory_covers_every_kind_network_profession_and_theme():
    from ecoute.directory.demo import seed
    from ecoute.directory.models import Kind, Network, Profession, Theme

    seed(professionals=60)
    assert set(Entry.objects.values_list("kind", flat=True)) == set(Kind.values)
    # Only the test's few départements are loaded: some of the 16 units' towns are missing, both states remain.
    assert set(Entry.objects.filter(kind="unit").values_list("unit_status", flat=True)) == {
        "open",
        "upcoming",
    }
    for model, relation in ((Network, "networks"), (Theme, "themes")):
        assert all(Entry.objects.filter(**{relation: item}).exists() for item in model.objects.all()), model
    assert all(item.entries.exists() for item in Profession.objects.all())
