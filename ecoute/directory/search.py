"""Find a place, then the nearest entries to it: portable SQL (a bounding box on an index), exact distance in Python.

No GIS server: a range query on the indexed (latitude, longitude) pair keeps only the entries inside
the smallest rectangle around the search circle; the great-circle distance is then computed for
those few rows, which are sorted and cut. The same code runs on SQLite and PostgreSQL.
"""

import functools
import math
import re
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
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
# Rings of an area search: the smallest first ring; past half the Earth's circumference a ring holds everything.
MIN_RING_KM = 5.0
HALF_EARTH_KM = 20016.0


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
    # For an area: how far from the seat most of its communes lie (km), to size the ranking's first ring.
    reach_km: float = 0.0

    @property
    def is_area(self) -> bool:
        return bool(self.departement_code or self.region_code)


def locate(text: str) -> Place:
    """A postal code, a département code or name, a region name, or a commune name (with its département)."""
    return _locate(" ".join(text.split()))


# The geography is loaded by a command and never changes while Écoute serves: a place found once is
# kept in memory (a few thousand small records at most). Unknown places raise, and are never kept.
# write_geography() forgets them all, for the process that loads the geography (and the tests).
@functools.lru_cache(maxsize=20000)
def _locate(text: str) -> Place:
    if POSTAL_CODE.match(text):
        return _postal_code(text)
    if DEPARTEMENT_CODE.match(text):
        return _departement(
            Departement.objects.filter(code=text.upper()).select_related("seat").first(), text
        )
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


def forget_places() -> None:
    """The geography was (re)loaded: look places up again."""
    _locate.cache_clear()


def _departement(departement: Departement | None, text: str) -> Place:
    if departement is None or departement.seat is None:
        raise PlaceNotFound(_("Le département « %(text)s » n’existe pas.") % {"text": text})
    seat = departement.seat
    reach = _reach_km(seat, Commune.objects.filter(departement_id=departement.code))
    return Place(
        str(departement),
        seat.latitude,
        seat.longitude,
        "departement",
        departement_code=departement.code,
        reach_km=reach,
    )


def _region(region: Region) -> Place:
    if region.seat is None:
        raise PlaceNotFound(_("La région « %(name)s » n’est pas chargée.") % {"name": region.name})
    seat = region.seat
    reach = _reach_km(seat, Commune.objects.filter(departement__region_id=region.code))
    return Place(
        region.name, seat.latitude, seat.longitude, "region", region_code=region.code, reach_km=reach
    )


def _reach_km(seat: Commune, communes: QuerySet) -> float:
    """How far from the seat nine communes in ten of the area lie: a few town halls in the official
    data sit thousands of kilometres away, and must not make every search of their area start wide."""
    distances = sorted(
        haversine_km(seat.latitude, seat.longitude, latitude, longitude)
        for latitude, longitude in communes.order_by().values_list("latitude", "longitude")
    )
    return distances[int(0.9 * (len(distances) - 1))] if distances else 0.0


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
    raise PlaceNotFound(
        _("Aucune commune, aucun département ni aucune région ne s’appelle « %(text)s ».") % {"text": text},
        suggestions,
    )


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
    # Themes, languages and networks as EXISTS: the planner starts from the place (the position or
    # the area), then checks each candidate, instead of walking every entry of a common theme.
    if criteria.theme:
        entries = entries.filter(
            Exists(Entry.themes.through.objects.filter(entry_id=OuterRef("pk"), theme__slug=criteria.theme))
        )
    if criteria.language:
        entries = entries.filter(
            Exists(
                Entry.languages.through.objects.filter(
                    entry_id=OuterRef("pk"), language__code=criteria.language
                )
            )
        )
    if criteria.network:
        entries = entries.filter(
            Exists(
                Entry.networks.through.objects.filter(entry_id=OuterRef("pk"), network__slug=criteria.network)
            )
        )
    if criteria.teleconsultation:
        entries = entries.filter(teleconsultation=True)
    if criteria.accepting:
        entries = entries.filter(accepting_new_patients=True)
    return entries


def search(criteria: Criteria) -> Results:
    results = Results(criteria)
    entries = filtered(criteria)
    if criteria.place:
        results.total, nearest = _nearest(
            entries.filter(latitude__isnull=False, longitude__isnull=False), criteria
        )
        results.hits = _hits(nearest)
    results.nationwide = list(with_details(entries.filter(nationwide=True)).order_by("kind", "name")[:20])
    return results


def _nearest(located: QuerySet, criteria: Criteria) -> tuple[int, list[tuple[float, int]]]:
    """(how many matched, the first `limit` of them as (distance, id), nearest first, ties by id).

    Around a point: every entry within the radius. In a département or a region: every entry of the
    area, counted in SQL; only the nearest ones are fetched and measured, ring after ring around the
    seat, since everything outside a ring is farther than everything inside it.
    """
    place, limit = criteria.place, criteria.limit
    if not place.is_area:
        ranked = _within(located, place, criteria.radius_km)
        return len(ranked), ranked[:limit]
    if place.departement_code:
        in_area = located.filter(commune__departement_id=place.departement_code)
    else:
        in_area = located.filter(commune__departement__region_id=place.region_code)
    total = in_area.count()
    # A first ring that should hold about twice the entries needed if they were spread evenly; the
    # population (and the directory) gathers around the seat, so it usually holds more. When the
    # area has no more than needed, or the ring grows past half the Earth, take the whole area.
    radius = max(MIN_RING_KM, place.reach_km * math.sqrt(2 * limit / total)) if total > limit else None
    while True:
        ranked = _within(in_area, place, radius)
        if radius is None or len(ranked) >= limit or len(ranked) >= total:
            return total, ranked[:limit]
        radius = 2 * radius if 2 * radius < HALF_EARTH_KM else None


def _within(entries: QuerySet, place: Place, radius_km: float | None) -> list[tuple[float, int]]:
    """(distance, id) of the entries within RADIUS_KM of the place (all of them when None), nearest first.

    An indexed box first, then the exact distance on the rows inside it.
    """
    if radius_km is not None:
        box = bounding_box(place.latitude, place.longitude, radius_km)
        entries = entries.filter(
            latitude__range=(box.south, box.north), longitude__range=(box.west, box.east)
        )
    ranked = []
    # No ORDER BY: the rows are sorted here, by distance.
    for pk, latitude, longitude in entries.order_by().values_list("pk", "latitude", "longitude"):
        distance = haversine_km(place.latitude, place.longitude, latitude, longitude)
        if radius_km is None or distance <= radius_km:
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
    return (
        Entry.objects.published()
        .filter(kind__in=[Kind.UNIT, Kind.DAY_HOSPITAL], latitude__isnull=False)
        .select_related("commune")
    )
