"""An English-speaking caller can do everything in English: every page, public or staff, rendered in
English shows no French outside proper names and the data people typed; French stays the default,
and the language a visitor picks stays on their device."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings

from ecoute.accounts.models import Role
from ecoute.presence.models import Status
from tests.directory.conftest import BORDEAUX, _session_geography, geography, make_entry  # noqa: F401 (fixtures)
from tests.support.cast import make_psychologist
from tests.support.contacts import ensure_taxonomies, make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db

# What gives French away: its accents, and words English never uses alone. A heuristic, not a parser.
FRENCH = re.compile(
    r"[àâçéèêëîïôûùœ]|\b(?:le|la|les|des|du|une|vous|votre|vos|nous|est|pas|et|ou|pour|avec|sur|dans|aucun|"
    r"aucune|appel|appels|fiche|fiches|psychologue|psychologues|cadre|disponible|personne|ligne|qui|que|mais|sont|maintenant|"
    r"quitter|vite|parler|aide|chercher|retour|jour|semaine|mois|heure|tous|toutes)\b",
    re.I,
)
# Proper names, French on every page whatever its language: the line's name and French institutions.
PROPER_NAMES = ("Écoute", "SAMU", "Réseau Morphée", "Souffrance & Travail")


class VisibleText(HTMLParser):
    """The text a person sees or hears: element text and the attributes read aloud, without scripts,
    styles, and anything marked as written in another language (lang="fr": the switch back to French)."""

    SKIPPED = {"script", "style"}
    SPOKEN = ("aria-label", "title", "placeholder", "alt")
    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self, page_language):
        super().__init__(convert_charrefs=True)
        self.page_language, self.stack, self.parts = page_language, [], []

    def _hidden(self):
        return any(tag in self.SKIPPED or (lang and lang != self.page_language) for tag, lang in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag != "html":
            self.stack.append((tag, attrs.get("lang")))
        if not self._hidden():
            self.parts += [attrs[name] for name in self.SPOKEN if attrs.get(name)]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.parts.append(attrs["value"])
        if tag in self.VOID and tag != "html":
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if data.strip() and not self._hidden():
            self.parts.append(data.strip())


def visible_text(html: str, language: str = "en") -> str:
    parser = VisibleText(language)
    parser.feed(html)
    return "\n".join(parser.parts)


def french_in(html: str, allowed=()) -> list[str]:
    """The lines of visible text that still look French, once proper names and given data are set aside."""
    found = []
    for line in visible_text(html).splitlines():
        for name in sorted((*PROPER_NAMES, *allowed), key=len, reverse=True):
            line = line.replace(name, " ")
        if FRENCH.search(line):
            found.append(line)
    return found


def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_detector_sees_french_and_lets_english_and_proper_names_through():
    assert french_in("<p>Parler à un psychologue</p>") == ["Parler à un psychologue"]
    assert french_in('<button aria-label="Quitter vite">X</button>') == ["Quitter vite"]
    assert french_in('<nav aria-label="Numéros d’urgence"><a title="Urgences">112</a></nav>') == [
        "Numéros d’urgence"
    ]
    assert french_in("<p>Talk to a psychologist, now</p><script>const x = 'la fiche';</script>") == []
    assert french_in('<p>Écoute — call 15 (SAMU)</p><form lang="fr"><button>Français</button></form>') == []
    assert french_in("<p>Claire speaks Réanimation</p>", allowed=["Réanimation"]) == []


def test_french_stays_the_default_without_a_choice(client):
    page = client.get("/")
    assert page["Content-Language"] == "fr"
    html = page.content.decode()
    assert '<html lang="fr">' in html and "Parler à un psychologue, maintenant" in html
    assert "Talk to a psychologist" not in html


def test_an_english_browser_gets_the_app_in_english(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="en">' in html and "Talk to a psychologist, now" in html


def test_the_switch_keeps_the_choice_on_the_device_as_the_language_code_alone(client):
    page = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in page and 'name="language" value="en" lang="en"' in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/orientation/"})
    assert response.status_code == 302 and response["Location"] == "/orientation/"
    # One cookie, the code and nothing else, kept a year; no CSRF cookie on a caller's phone.
    assert list(response.cookies) == [django_settings.LANGUAGE_COOKIE_NAME]
    cookie = response.cookies[django_settings.LANGUAGE_COOKIE_NAME]
    assert (
        cookie.value == "en"
        and int(cookie["max-age"]) >= 300 * 24 * 3600
        and cookie["httponly"]
        and cookie["samesite"] == "Lax"
    )
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html and "Talk to a psychologist, now" in html
    assert 'name="language" value="fr" lang="fr"' in html  # and the way back, named in French
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert '<html lang="fr">' in client.get("/").content.decode()


def test_the_switch_refuses_a_language_that_is_not_offered_and_a_foreign_next(client):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "https://example.org/"})
    assert django_settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert response["Location"] == "/" or not response["Location"].startswith("https://example.org")


def test_the_installed_app_the_scripts_and_the_offline_page_follow_the_choice(client):
    english(client)
    manifest = client.get("/manifest.webmanifest")
    assert manifest.json()["lang"] == "en" and "psychologists 24/7" in manifest.json()["name"]
    assert "Cookie" in manifest["Vary"]
    assert "We are looking for an available psychologist" in client.get("/jsi18n/").content.decode()
    worker = client.get("/sw.js").content.decode()
    assert "followLanguage" in worker and "Content-Language" in worker


def test_the_caller_app_has_no_french_left_in_english(client):
    make_psychologist(
        "Claire",
        status=Status.AVAILABLE,
        languages=("fr", "en", "ar"),
        presentation="Intensive care and palliative care.",
    )
    make_psychologist(
        "Karim", status=Status.BREAK, languages=("fr",), presentation="Burn-out, team conflicts."
    )
    html = english(client).get("/").content.decode()
    assert '<html lang="en">' in html
    assert "English" in html and "Arabic" in html  # the seeded names of languages are translated too
    assert french_in(html) == []


@pytest.mark.parametrize("path", ["/hors-ligne/", "/connexion/", "/chiffres/"])
def test_public_pages_have_no_french_left_in_english(client, path):
    ensure_taxonomies()
    html = english(client).get(path).content.decode()
    assert '<html lang="en">' in html
    assert french_in(html) == []


# What the directory holds is its data: the names of French organisations and places, typed by administrators.
# Its vocabulary (professions, themes) and the languages are translated (their seeded names are in the catalog).
PLACES = ["Gironde", "Bordeaux", "Nouvelle-Aquitaine"]


def network_names():
    from ecoute.directory.models import Network

    return list(Network.objects.values_list("name", flat=True))


@pytest.mark.parametrize("path", ["/orientation/?q=33000", "/orientation/carte/?q=33000", "/orientation/"])
def test_the_orientation_pages_have_no_french_left_in_english(client, geography, path):
    make_entry(
        "psy-bordeaux",
        BORDEAUX,
        name="Claire Martin",
        themes=("burnout", "sommeil"),
        languages=("en",),
        networks=("sps",),
        phone="05 56 00 00 00",
    )
    html = english(client).get(path).content.decode()
    assert '<html lang="en">' in html
    assert french_in(html, allowed=[*PLACES, *network_names()]) == []


def test_a_directory_entry_page_has_no_french_left_in_english(client, geography):
    entry = make_entry(
        "psy-bordeaux",
        BORDEAUX,
        name="Claire Martin",
        themes=("burnout", "deuil"),
        languages=("en", "es"),
        networks=("souffrance-travail",),
        phone="05 56 00 00 00",
    )
    html = english(client).get(f"/orientation/{entry.pk}/").content.decode()
    assert "Burn-out" in html and "Bereavement, second victim" in html and "Spanish" in html
    assert french_in(html, allowed=[*PLACES, *network_names()]) == []


def departements():
    """Départements are places: their names stay French in every language."""
    from ecoute.contacts.taxonomy_defaults import DEPARTEMENTS

    return [name for _, name in DEPARTEMENTS]


@pytest.fixture
def records(settings):
    """A psychologist with recorded calls, and statistics showing every cell (no small-cell secrecy here)."""
    from datetime import datetime, time

    from django.utils import timezone

    from ecoute.stats import figures
    from tests.support.contacts import make_record

    settings.ECOUTE_STATS_MIN_CELL = 1
    ensure_taxonomies()
    claire = make_psychologist("Claire", status=Status.AVAILABLE, languages=("fr", "en"))
    # In the last ended grid period, where the breakdowns count (ecoute/stats/figures.py, grid_span).
    started_at = timezone.make_aware(
        datetime.combine(figures.grid_span(figures.Period.default())[0], time(10))
    )
    for reasons in (("epuisement", "sommeil"), ("harcelement",), ("idees-suicidaires", "conflit-equipe")):
        make_record(
            claire,
            reasons=reasons,
            orientations=("psychologue-reseau",),
            sector="hopital-public",
            age_band="25-34",
            risk_level="modere",
            follow_up="rappel-appelant",
            departement="33",
            started_at=started_at,
        )
    return claire


@pytest.mark.parametrize(
    "path, role",
    [
        ("/espace/", Role.PSYCHOLOGIST),
        ("/espace/fiches/", Role.PSYCHOLOGIST),
        ("/supervision/", Role.SUPERVISOR),
        ("/statistiques/", Role.STATISTICIAN),
        ("/chiffres/", None),
    ],
)
def test_staff_pages_and_figures_have_no_french_left_in_english(client, records, path, role):
    if role == Role.PSYCHOLOGIST:
        log_in(client, records)
    elif role:
        log_in(client, make_staff(role, "Helen"))
    html = english(client).get(path).content.decode()
    assert '<html lang="en">' in html
    assert french_in(html, allowed=departements()) == []
    if path in ("/espace/fiches/", "/statistiques/", "/chiffres/"):
        assert "Burn-out" in html  # the taxonomies' default labels are translated


def test_the_rota_s_offered_shifts_handovers_and_debrief_have_no_french_left_in_english(client):
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from ecoute.calls.models import Priority
    from ecoute.rota import swaps
    from ecoute.rota.models import Shift, WeeklyAvailability
    from tests.rota.shifts import worked_shift

    claire, marc, nina = make_psychologist("Claire"), make_psychologist("Marc"), make_psychologist("Nina")
    helen = make_staff(Role.SUPERVISOR, "Helen")
    day = timezone.localdate() + timedelta(days=3)
    start = timezone.make_aware(datetime.combine(day, time(9)))
    for user in (claire, marc, nina, helen):
        WeeklyAvailability.objects.create(user=user, weekday=day.weekday(), start=time(8), end=time(20))
    swaps.offer(Shift.objects.create(user=claire, start=start, end=start + timedelta(hours=4)).pk, claire)
    supervision = Shift.objects.create(
        user=helen, start=start, end=start + timedelta(hours=4), supervising=True
    )
    swaps.take(swaps.offer(supervision.pk, helen).pk, nina)  # waits for a supervisor
    worked_shift(marc, 0, priority=Priority.URGENT)
    now = timezone.now()
    Shift.objects.create(
        user=helen, start=now - timedelta(hours=1), end=now + timedelta(hours=3), supervising=True
    )
    log_in(client, marc)
    for path in ("/espace/disponibilites/", "/espace/"):
        html = english(client).get(path).content.decode()
        assert "Shifts offered" in html or "shift offered by a colleague" in html, path
        assert "included an emergency" in html and french_in(html) == [], path
    log_in(client, helen)
    html = english(client).get(f"/espace/planning/?semaine={day.isoformat()}").content.decode()
    assert "Handovers to approve" in html and french_in(html) == []


def test_the_call_record_form_has_no_french_left_in_english(client, records):
    from tests.support.contacts import make_call

    call = make_call(records)
    html = english(log_in(client, records)).get(f"/espace/fiches/appel/{call.pk}/").content.decode()
    assert "Nurse" in html and "Suicidal thoughts" in html and "Save the record" in html
    assert french_in(html, allowed=departements()) == []


def test_the_login_steps_have_no_french_left_in_english(client, settings):
    """The password, a wrong code, a first login's pairing and its recovery codes: all in English."""
    from tests.support.cast import PASSWORD
    from tests.support.twofactor import current_code, give_authenticator

    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    english(client)
    claire = make_psychologist("Claire")
    device = give_authenticator(claire)
    assert (
        "Incorrect username or password."
        in client.post("/connexion/", {"username": claire.username, "password": "no"}).content.decode()
    )
    client.post("/connexion/", {"username": claire.username, "password": PASSWORD})
    wrong = client.post(
        "/connexion/verification/", {"token": "000000" if current_code(device) != "000000" else "111111"}
    )
    assert "Incorrect or expired code" in wrong.content.decode()
    assert french_in(wrong.content.decode()) == []

    karim, pages = make_psychologist("Karim"), []
    english(client).post("/connexion/", {"username": karim.username, "password": PASSWORD})
    pages.append(client.get("/connexion/activation/").content.decode())
    pages.append(
        client.post(
            "/connexion/activation/", {"token": current_code(karim.totpdevice_set.get(confirmed=False))}
        ).content.decode()
    )
    assert "Your recovery codes" in pages[-1]
    for html in pages:
        assert '<html lang="en">' in html and french_in(html) == []


def test_french_texts_kept_in_the_tables_are_read_in_the_readers_language():
    from django.utils import translation

    from ecoute.lib.i18n import translated

    with translation.override("en"):
        assert translated("Anglais") == "English" and translated("Idées suicidaires") == "Suicidal thoughts"
        assert (
            translated("Écoute de nuit, typed by an administrator")
            == "Écoute de nuit, typed by an administrator"
        )
        assert translated("") == ""  # not the catalog's header
    with translation.override("fr"):
        assert translated("Anglais") == "Anglais"


def test_the_supervisors_read_a_danger_alert_in_english(client):
    from django.utils import timezone

    from ecoute.calls.models import Alert, AlertKind

    Alert.objects.create(
        kind=AlertKind.DANGER,
        reason="L'appelant dit être en danger ou avoir des idées suicidaires.",
        created_at=timezone.now(),
    )
    html = english(log_in(client, make_staff(Role.SUPERVISOR, "Helen"))).get("/supervision/").content.decode()
    assert "The caller says they are in danger or having suicidal thoughts." in html
    assert french_in(html) == []
