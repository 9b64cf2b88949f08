"""Find a place, then the nearest entries to it: portable SQL (a bounding box on an index), exact distance in Python.

No GIS server: a range query on the indexed (latitude, longitude) pair keeps only the entries inside
the smallest rectangle around the search circle; the great-circle distance is then computed for
those few rows, which are sorted and cut. The same code runs on SQLite and PostgreSQL.
"""

import re
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from ecoute.lib.geo import bounding_box, haversine_km

from .models import Commune, Departement, Entry, Kind, Region, Theme
from .text import search_key

POSTAL_CODE = re.compile(r"^\d{5}$")
DEPARTEMENT_CODE = re.compile(r"^(\d{2}|2[AB]|97[1-6])$", re.IGNORECASE)
# "Saint-Denis (974)": a commune name with its département, to tell homonyms apart.
NAME_WITH_DEPARTEMENT = re.compile(r"^(?P<name>.+?)\s*\((?P<code>\d{2}|2[AB]|97\d)\)$", re.IGNORECASE)
RADII_KM = (10, 25, 50, 100, 200)
DEFAULT_RADIUS_KM = 50
DEFAULT_LIMIT = 30


class PlaceNotFound(ValueError):
    """The text names no place we know; `suggestions` are labels the person may have meant."""

    def __init__(self, message: str, suggestions: list[str] | None = None):
        super().__init__(message)
        self.suggestions = suggestions or []


@dataclass(frozen=True)
class Place:
    """Where a search starts: a point, and for a département or a region, the area it covers."""

    label: str
    latitude: float
    longitude: float
    how: str  # postal_code, commune, departement, region, coordinates
    departement_code: str = ""
    region_code: str = ""

    @property
    def is_area(self) -> bool:
        return bool(self.departement_code or self.region_code)


def locate(text: str) -> Place:
    """A postal code, a département code or name, a region name, or a commune name (with its département)."""
    text = " ".join(text.split())
    if POSTAL_CODE.match(text):
        return _postal_code(text)
    if DEPARTEMENT_CODE.match(text):
        return _departement(Departement.objects.filter(code=text.upper()).select_related("seat").first(), text)
    key = search_key(text)
    if not key:
        raise PlaceNotFound(_("Indiquez un code postal, une commune, un département ou une région."))
    region = Region.objects.filter(search_name=key).select_related("seat").first()
    if region:
        return _region(region)
    departement = Departement.objects.filter(search_name=key).select_related("seat").first()
    if departement:
        return _departement(departement, text)
    return _commune(text)


def locate_coordinates(latitude: float, longitude: float) -> Place:
    """'Near me': the browser already rounded the position; round again, nothing finer is ever used."""
    return Place(_("votre position"), round(latitude, 2), round(longitude, 2), "coordinates")


def _postal_code(code: str) -> Place:
    communes = list(Commune.objects.filter(postal_codes__code=code).order_by("-population", "code"))
    if not communes:
        raise PlaceNotFound(_("Le code postal %(code)s n’existe pas.") % {"code": code})
    # The most populous commune of the code: where its inhabitants' roads and services meet.
    main = communes[0]
    return Place(f"{code} {main.name}", main.latitude, main.longitude, "postal_code")


def _departement(departement: Departement | None, text: str) -> Place:
    if departement is None or departement.seat is None:
        raise PlaceNotFound(_("Le département « %(text)s » n’existe pas.") % {"text": text})
    seat = departement.seat
    return Place(str(departement), seat.latitude, seat.longitude, "departement", departement_code=departement.code)


def _region(region: Region) -> Place:
    if region.seat is None:
        raise PlaceNotFound(_("La région « %(name)s » n’est pas chargée.") % {"name": region.name})
    return Place(region.name, region.seat.latitude, region.seat.longitude, "region", region_code=region.code)


def _commune(text: str) -> Place:
    match = NAME_WITH_DEPARTEMENT.match(text)
    communes = Commune.objects.order_by("-population", "code")
    if match:
        communes = communes.filter(departement_id=match["code"].upper())
        text = match["name"]
    key = search_key(text)
    found = list(communes.filter(search_name=key)[:1])
    if found:
        return Place(str(found[0]), found[0].latitude, found[0].longitude, "commune")
    suggestions = [str(c) for c in communes.filter(search_name__startswith=key)[:5]]
    raise PlaceNotFound(_("Aucune commune, aucun département ni aucune région ne s’appelle « %(text)s ».") % {"text": text}, suggestions)


def homonyms(place: Place) -> list[str]:
    """Other communes with the same name, to offer when a search by name may have meant another one."""
    if place.how != "commune":
        return []
    name = place.label.rsplit(" (", 1)[0]
    return [str(c) for c in Commune.objects.filter(search_name=search_key(name)).order_by("-population")[1:6]]


# --- The search -----------------------------------------------------------------------------------

@dataclass
class Criteria:
    place: Place | None = None
    radius_km: int = DEFAULT_RADIUS_KM
    kind: str = ""
    profession: str = ""  # slugs and codes, as in the query string
    theme: str = ""
    language: str = ""
    network: str = ""
    teleconsultation: bool = False
    accepting: bool = False
    limit: int = DEFAULT_LIMIT


@dataclass
class Hit:
    entry: Entry
    distance_km: float | None


@dataclass
class Results:
    criteria: Criteria
    hits: list[Hit] = field(default_factory=list)
    total: int = 0  # located entries that matched, before the cut to `limit`
    nationwide: list[Entry] = field(default_factory=list)


def filtered(criteria: Criteria) -> QuerySet:
    """Published entries that pass every filter; each filter narrows (they combine with AND)."""
    entries = Entry.objects.published()
    if criteria.kind:
        entries = entries.filter(kind=criteria.kind)
    if criteria.profession:
        entries = entries.filter(profession__slug=criteria.profession)
    if criteria.theme:
        entries = entries.filter(themes__slug=criteria.theme)
    if criteria.language:
        entries = entries.filter(languages__code=criteria.language)
    if criteria.network:
        entries = entries.filter(networks__slug=criteria.network)
    if criteria.teleconsultation:
        entries = entries.filter(teleconsultation=True)
    if criteria.accepting:
        entries = entries.filter(accepting_new_patients=True)
    return entries


def search(criteria: Criteria) -> Results:
    results = Results(criteria)
    entries = filtered(criteria)
    if criteria.place:
        ranked = _ranked(entries, criteria)
        results.total = len(ranked)
        results.hits = _hits(ranked[: criteria.limit])
    results.nationwide = list(with_details(entries.filter(nationwide=True)).order_by("kind", "name")[:20])
    return results


def _ranked(entries: QuerySet, criteria: Criteria) -> list[tuple[float, int]]:
    """(distance, id) of every located entry in the area or within the radius, nearest first."""
    place = criteria.place
    if place.departement_code:
        entries = entries.filter(commune__departement_id=place.departement_code)
    elif place.region_code:
        entries = entries.filter(commune__departement__region_id=place.region_code)
    else:
        box = bounding_box(place.latitude, place.longitude, criteria.radius_km)
        entries = entries.filter(latitude__range=(box.south, box.north), longitude__range=(box.west, box.east))
    ranked = []
    for pk, latitude, longitude in entries.filter(latitude__isnull=False, longitude__isnull=False).values_list("pk", "latitude", "longitude"):
        distance = haversine_km(place.latitude, place.longitude, latitude, longitude)
        if place.is_area or distance <= criteria.radius_km:
            ranked.append((distance, pk))
    ranked.sort()
    return ranked


def _hits(ranked: list[tuple[float, int]]) -> list[Hit]:
    by_id = {entry.pk: entry for entry in with_details(Entry.objects.filter(pk__in=[pk for _, pk in ranked]))}
    return [Hit(by_id[pk], round(distance, 1)) for distance, pk in ranked]


def with_details(entries: QuerySet) -> QuerySet:
    """Everything a result card shows, in a fixed number of queries."""
    return entries.select_related("profession", "commune__departement").prefetch_related(
        Prefetch("themes", queryset=Theme.objects.order_by("name")), "languages", "networks"
    )


def units_for_map() -> QuerySet:
    """The dedicated units and day hospitals, always on the map: open and upcoming."""
    return Entry.objects.published().filter(kind__in=[Kind.UNIT, Kind.DAY_HOSPITAL], latitude__isnull=False).select_related("commune")
