"""One layout per kind of screen: the staff bar and the login panel are each written once."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def templates_containing(text: str) -> list[str]:
    found = [*(ROOT / "ecoute").rglob("templates/**/*.html"), *(ROOT / "templates").rglob("*.html")]
    return sorted(path.relative_to(ROOT).as_posix() for path in found if text in path.read_text())


def test_the_staff_bar_and_its_way_out_are_written_once():
    assert templates_containing('class="staff-bar"') == ["templates/staff/base.html"]
    assert templates_containing("accounts:logout") == ["templates/staff/base.html"]


def test_the_login_screens_share_one_panel():
    login_panels = [name for name in templates_containing("panel narrow") if "/accounts/" in name]
    assert login_panels == ["ecoute/accounts/templates/accounts/base.html"]
    extending = templates_containing('{% extends "accounts/base.html" %}')
    assert [Path(name).name for name in extending] == [
        "enrol.html",
        "login.html",
        "recovery_codes.html",
        "verify.html",
    ]
