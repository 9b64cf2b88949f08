"""Directory fixtures: a small piece of the official geography, and entries at known places."""

import functools
from datetime import date

import pytest

from ecoute.accounts.models import Language
from ecoute.directory.demo import ensure_vocabulary
from ecoute.directory.geography import read_geography, write_geography
from ecoute.directory.models import Commune, Entry, Network, Profession, Theme

# Gironde, Paris, Rhône, Ille-et-Vilaine (Bretagne), Bouches-du-Rhône: enough for every way of locating.
DEPARTEMENTS = ("33", "75", "69", "35", "13")
BORDEAUX, MERIGNAC, LIBOURNE, ARCACHON = "33063", "33281", "33243", "33009"
PARIS_11, LYON, RENNES, SAINT_MALO, MARSEILLE = "75111", "69123", "35238", "35288", "13055"


@functools.cache
def official_geography():
    """Read once per run: the files are large, the subset small."""
    return read_geography(DEPARTEMENTS, outlines=True)


def ensure_geography() -> None:
    if not Commune.objects.filter(pk=BORDEAUX).exists():
        write_geography(official_geography())
    ensure_vocabulary()
    for code, name in (("fr", "Français"), ("en", "Anglais"), ("es", "Espagnol")):
        Language.objects.get_or_create(code=code, defaults={"name": name})


@pytest.fixture(scope="session")
def _session_geography(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_geography()


@pytest.fixture
def geography(_session_geography, db):
    """Loaded once for the session; loaded again after a transactional test emptied the tables."""
    ensure_geography()


def make_entry(
    external_id: str,
    commune_code: str | None,
    kind: str = "professional",
    *,
    themes=(),
    languages=(),
    networks=(),
    profession: str | None = "psychologue",
    **values,
) -> Entry:
    commune = Commune.objects.get(pk=commune_code) if commune_code else None
    entry = Entry.objects.create(
        external_id=external_id,
        kind=kind,
        name=values.pop("name", external_id),
        commune=commune,
        latitude=values.pop("latitude", commune.latitude if commune else None),
        longitude=values.pop("longitude", commune.longitude if commune else None),
        profession=Profession.objects.get(slug=profession) if profession and kind == "professional" else None,
        last_verified=values.pop("last_verified", date(2026, 1, 15)),
        **values,
    )
    entry.themes.set(Theme.objects.filter(slug__in=themes))
    entry.languages.set(Language.objects.filter(code__in=languages))
    entry.networks.set(Network.objects.filter(slug__in=networks))
    return entry
