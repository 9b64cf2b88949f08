"""Find a place, then the nearest entries to it: portable SQL (a bounding box on an index), exact distance in Python.

No GIS server: a range query on the indexed (latitude, longitude) pair keeps only the entries inside
the smallest rectangle around the search circle; the great-circle distance is then computed for
those few rows, which are sorted and cut. The same code runs on SQLite and PostgreSQL.
"""

import functools
import math
import operator
import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
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
    # For a commune: the other communes of that name, most populous first, to offer (homonyms()).
    namesakes: tuple[str, ...] = ()
    # For an area: its départements' codes, when they begin the codes of its communes and only theirs.
    code_prefixes: tuple[str, ...] = ()

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
    # Most searches name a commune: the regions' and départements' names are known without a query.
    kind, code = _area_names().get(key, ("", ""))
    if kind == "region":
        return _region(Region.objects.select_related("seat").get(code=code))
    if kind == "departement":
        return _departement(Departement.objects.select_related("seat").get(code=code), text)
    return _commune(text)


@functools.lru_cache(maxsize=1)
def _area_names() -> dict[str, tuple[str, str]]:
    """{search key: ("region" or "departement", code)}: a region first when both bear a name, and the
    first in each table's order when two do, as the lookups by name did."""
    names: dict[str, tuple[str, str]] = {}
    for model, kind in ((Region, "region"), (Departement, "departement")):
        for key, code in model.objects.values_list("search_name", "code"):
            names.setdefault(key, (kind, code))
    return names


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
    _area_names.cache_clear()
    _codes_begin_with_departement.cache_clear()


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
        code_prefixes=(departement.code,) if _codes_begin_with_departement() else (),
    )


def _region(region: Region) -> Place:
    if region.seat is None:
        raise PlaceNotFound(_("La région « %(name)s » n’est pas chargée.") % {"name": region.name})
    seat = region.seat
    reach = _reach_km(seat, Commune.objects.filter(departement__region_id=region.code))
    prefixes = tuple(region.departements.order_by("code").values_list("code", flat=True))
    return Place(
        region.name,
        seat.latitude,
        seat.longitude,
        "region",
        region_code=region.code,
        reach_km=reach,
        code_prefixes=prefixes if _codes_begin_with_departement() else (),
    )


@functools.lru_cache(maxsize=1)
def _codes_begin_with_departement() -> bool:
    """Whether each commune's INSEE code begins with its département's code (33063 in 33, 2A004 in
    2A, 97101 in 971) and no département's code begins another's: then an entry's own commune code
    tells its département, and an area search reads its entries from an index, without joining the
    communes (docs/performance.md). The official data always follows the rule; checked once anyway."""
    if Commune.objects.exclude(code__startswith=F("departement_id")).exists():
        return False
    codes = list(Departement.objects.values_list("code", flat=True))
    return not any(a != b and b.startswith(a) for a in codes for b in codes)


def _reach_km(seat: Commune, communes: QuerySet) -> float:
    """How far from the seat nine communes in ten of the area lie: a few town halls in the official
    data sit thousands of kilometres away, and must not make every search of their area start wide."""
    distances = sorted(
        haversine_km(seat.latitude, seat.longitude, latitude, longitude)
        for latitude, longitude in communes.order_by().values_list("latitude", "longitude")
    )
    return distances[int(0.9 * (len(distances) - 1))] if distances else 0.0


# How many other communes of the same name a commune search offers.
MAX_NAMESAKES = 5


def _commune(text: str) -> Place:
    match = NAME_WITH_DEPARTEMENT.match(text)
    departement = match["code"].upper() if match else ""
    text = match["name"] if match else text
    key = search_key(text)
    communes = Commune.objects.order_by("-population", "code")
    # The most populous communes of the name: the place and its namesakes, in one query.
    named = list(communes.filter(search_name=key)[: 1 + MAX_NAMESAKES])
    found = next((c for c in named if c.departement_id == departement or not departement), None)
    if found is None and departement:  # a small commune of a name many bear
        found = communes.filter(departement_id=departement, search_name=key).first()
    if found:
        namesakes = tuple(str(commune) for commune in named if commune.pk != found.pk)[:MAX_NAMESAKES]
        return Place(str(found), found.latitude, found.longitude, "commune", namesakes=namesakes)
    if departement:
        communes = communes.filter(departement_id=departement)
    suggestions = [str(c) for c in communes.filter(search_name__startswith=key)[:5]]
    raise PlaceNotFound(
        _("Aucune commune, aucun département ni aucune région ne s’appelle « %(text)s ».") % {"text": text},
        suggestions,
    )


def homonyms(place: Place) -> list[str]:
    """Other communes with the same name, to offer when a search by name may have meant another one."""
    return list(place.namesakes) if place.how == "commune" else []


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
    nearest = []
    if criteria.place:
        results.total, nearest = _nearest(
            entries.filter(latitude__isnull=False, longitude__isnull=False), criteria
        )
    results.hits, results.nationwide = _cards(entries, nearest)
    return results


# Few entries are reachable nationwide (an index keeps them apart): every search lists them all.
NATIONWIDE_SHOWN = 20


def _cards(entries: QuerySet, ranked: list[tuple[float, int]]) -> tuple[list[Hit], list[Entry]]:
    """The nearest entries' cards and the nationwide lines', read together: one query and one for
    their languages, instead of two of each (every round trip waits its turn on a busy machine).

    The nationwide lines come in the order the database sorts them (kind, then name, with its
    collation), as they did when they were read apart; the nearest keep their distance order.
    """
    wanted = [pk for _, pk in ranked]
    if connection.vendor == "postgresql":
        rows = list(with_card(entries.filter(Q(pk__in=wanted) | Q(nationwide=True))).order_by("kind", "name"))
    else:
        # SQLite scans the whole table for that OR, and has no round trip to save: two queries.
        rows = list(with_card(entries.filter(nationwide=True), languages=False).order_by("kind", "name"))
        rows += with_card(Entry.objects.filter(pk__in=wanted), languages=False)
        prefetch_related_objects(rows, "languages")
    by_id = {entry.pk: entry for entry in rows}
    # An entry unpublished between the two queries is left out rather than shown.
    hits = [Hit(by_id[pk], round(distance, 1)) for distance, pk in ranked if pk in by_id]
    nationwide = [entry for entry in rows if entry.nationwide][:NATIONWIDE_SHOWN]
    return hits, nationwide


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
    in_area = located.filter(_in_area(place))
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


def _in_area(place: Place) -> Q:
    """The entries of a département or a region: by the prefix of their commune's code when it tells
    (an index on it holds what a search filters on: no join, no table read), else through the communes."""
    if place.code_prefixes:
        return functools.reduce(operator.or_, (_code_begins(code) for code in place.code_prefixes))
    if place.departement_code:
        return Q(commune__departement_id=place.departement_code)
    return Q(commune__departement__region_id=place.region_code)


def _code_begins(code: str) -> Q:
    """Entries whose commune's code begins with CODE. PostgreSQL: LIKE 'CODE%' on the area index (its
    pattern operator class). SQLite uses no index for LIKE (it ignores case) but compares text byte
    by byte: the codes from CODE up to CODE with its last character's successor are the same set."""
    if connection.vendor == "postgresql":
        return Q(commune__code__startswith=code)
    return Q(commune__code__gte=code, commune__code__lt=code[:-1] + chr(ord(code[-1]) + 1))


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


def with_card(entries: QuerySet, languages: bool = True) -> QuerySet:
    """What a result card, a map marker and the side panel show: the profession, the commune's name
    and the languages (not the themes, networks or département)."""
    entries = entries.select_related("profession", "commune")
    return entries.prefetch_related("languages") if languages else entries


def with_details(entries: QuerySet) -> QuerySet:
    """Everything an entry's page, JSON or export shows, in a fixed number of queries."""
    return with_card(entries).select_related("commune__departement").prefetch_related(*DETAILS)


# What the JSON of an entry shows beyond its card.
DETAILS = (Prefetch("themes", queryset=Theme.objects.order_by("name")), "networks")


def units_for_map() -> QuerySet:
    """The dedicated units and day hospitals, always on the map: open and upcoming."""
    return (
        Entry.objects.published()
        .filter(kind__in=[Kind.UNIT, Kind.DAY_HOSPITAL], latitude__isnull=False)
        .select_related("commune")
    )
