"""CSV import of the directory (columns documented in docs/directory-import.md).

Read and stored the way of every import (ecoute/lib/tabular.py): every row is checked before anything
is written; a single bad row rejects the whole file with the line numbers of every problem. A valid
file is written in one transaction, matched on `external_id`: importing the same file twice changes
nothing the second time.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone

from ecoute.accounts.models import Language
from ecoute.lib import tabular

from .models import (
    Commune,
    Entry,
    Kind,
    Network,
    Profession,
    ServiceType,
    Theme,
    UnitStatus,
    refresh_planner_statistics,
)

REQUIRED = ["external_id", "kind", "name", "last_verified"]
OPTIONAL = [
    "organization",
    "profession",
    "service_type",
    "unit_status",
    "opening",
    "beds",
    "networks",
    "themes",
    "languages",
    "teleconsultation",
    "accepting_new_patients",
    "nationwide",
    "address",
    "postal_code",
    "commune_insee",
    "latitude",
    "longitude",
    "phone",
    "email",
    "website",
    "what_to_expect",
    "how_to_reach",
    "published",
]
COLUMNS = REQUIRED + OPTIONAL
MAX_BYTES = tabular.MAX_FILE_BYTES
MAX_ROWS = tabular.MAX_LINES
LIST_SEPARATOR = "|"
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
TRUE, FALSE = {"oui", "1", "true", "vrai", "yes"}, {"non", "0", "false", "faux", "no"}
# Scalar fields compared to tell an updated entry from an unchanged one.
SCALARS = [
    "kind",
    "name",
    "organization",
    "profession_id",
    "service_type",
    "unit_status",
    "opening",
    "beds",
    "teleconsultation",
    "accepting_new_patients",
    "nationwide",
    "address",
    "postal_code",
    "commune_id",
    "latitude",
    "longitude",
    "phone",
    "email",
    "website",
    "what_to_expect",
    "how_to_reach",
    "last_verified",
    "published",
]
RELATIONS = ["networks", "themes", "languages"]


ImportRejected = tabular.Rejected  # the name the admin, the command and the tests know


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    external_ids: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.created} créée(s), {self.updated} mise(s) à jour, {self.unchanged} inchangée(s)"


def import_csv(data: bytes) -> ImportReport:
    """Check then import a CSV file's bytes (UTF-8, comma or semicolon separated)."""
    return import_rows(read_csv(data))


def read_csv(data: bytes) -> list[tuple[int, dict]]:
    """(line number, row) pairs; the header is line 1. Raises ImportRejected on an unreadable file."""
    return tabular.read_rows(data, REQUIRED, OPTIONAL, MAX_BYTES, MAX_ROWS)


def import_rows(rows: list[tuple[int, dict]]) -> ImportReport:
    """Validate every row, then write them all in one transaction, or nothing."""
    report = tabular.import_all_or_nothing(rows, _Checker().row, _write)
    refresh_planner_statistics()
    return report


class _Checker:
    """Turns CSV rows into model values, with every error of a row, its line and column."""

    def __init__(self):
        self.errors: list[tabular.LineError] = []
        self.seen: dict[str, int] = {}
        self.professions = {p.slug: p.pk for p in Profession.objects.all()}
        self.networks = {n.slug: n.pk for n in Network.objects.all()}
        self.themes = {t.slug: t.pk for t in Theme.objects.all()}
        self.languages = {lang.code: lang.pk for lang in Language.objects.all()}

    def row(self, line: int, raw: dict) -> tuple[dict, list[tabular.LineError]]:
        self.line, self.errors = line, []
        values = {
            "external_id": self._external_id(raw.get("external_id", "")),
            "kind": self._choice(raw, "kind", Kind, required=True),
        }
        values["name"] = self._text(raw, "name", required=True)
        for name in ("organization", "opening", "address", "phone", "what_to_expect", "how_to_reach"):
            values[name] = self._text(raw, name)
        values["profession_id"] = self._lookup(
            raw, "profession", self.professions, required=values["kind"] == Kind.PROFESSIONAL
        )
        values["service_type"] = self._choice(
            raw, "service_type", ServiceType, required=values["kind"] == Kind.SERVICE
        )
        values["unit_status"] = self._choice(
            raw, "unit_status", UnitStatus, required=values["kind"] == Kind.UNIT
        )
        values["beds"] = self._integer(raw, "beds", 1, 500)
        for name in ("teleconsultation", "nationwide"):
            values[name] = self._boolean(raw, name, default=False)
        for name in ("accepting_new_patients", "published"):
            values[name] = self._boolean(raw, name, default=True)
        values["email"] = self._validated(raw, "email", EmailValidator(), "adresse de courriel invalide.")
        values["website"] = self._validated(
            raw,
            "website",
            URLValidator(schemes=["http", "https"]),
            "adresse web invalide (http:// ou https://).",
        )
        values["last_verified"] = self._date(raw, "last_verified")
        values.update(self._location(raw, values["nationwide"]))
        relations = {
            "networks": self._lookups(raw, "networks", self.networks),
            "themes": self._lookups(raw, "themes", self.themes),
            "languages": self._lookups(raw, "languages", self.languages),
        }
        return {"values": values, "relations": relations}, self.errors

    def error(self, column: str, message: str) -> None:
        self.errors.append(tabular.LineError(self.line, column, message))

    def _external_id(self, value: str) -> str:
        if not EXTERNAL_ID.match(value):
            self.error("external_id", "obligatoire : lettres, chiffres, « . _ : - », 64 caractères au plus.")
        elif value in self.seen:
            self.error("external_id", f"« {value} » figure déjà ligne {self.seen[value]}.")
        else:
            self.seen[value] = self.line
        return value

    def _text(self, raw: dict, name: str, required: bool = False) -> str:
        value = raw.get(name, "")
        limit = Entry._meta.get_field(name).max_length
        if required and not value:
            self.error(name, "obligatoire.")
        elif limit and len(value) > limit:
            self.error(name, f"{len(value)} caractères ; {limit} au plus.")
        return value

    def _choice(self, raw: dict, name: str, choices, required: bool) -> str:
        value = raw.get(name, "")
        if not value:
            if required:
                self.error(name, f"obligatoire ici ; valeurs possibles : {', '.join(choices.values)}.")
            return ""
        if value not in choices.values:
            self.error(name, f"« {value} » inconnu ; valeurs possibles : {', '.join(choices.values)}.")
        elif not required and name != "kind":
            self.error(name, "ne s’applique pas à ce type d’entrée : laissez vide.")
        return value

    def _lookup(self, raw: dict, name: str, known: dict, required: bool):
        value = raw.get(name, "")
        if not value:
            if required:
                self.error(name, "obligatoire pour un professionnel.")
            return None
        if value not in known:
            self.error(name, f"« {value} » inconnu ; valeurs possibles : {', '.join(sorted(known))}.")
        return known.get(value)

    def _lookups(self, raw: dict, name: str, known: dict) -> list[int]:
        items = [item.strip() for item in raw.get(name, "").split(LIST_SEPARATOR) if item.strip()]
        unknown = [item for item in items if item not in known]
        if unknown:
            self.error(
                name, f"inconnu(s) : {', '.join(unknown)} ; valeurs possibles : {', '.join(sorted(known))}."
            )
        return sorted({known[item] for item in items if item in known})

    def _boolean(self, raw: dict, name: str, default: bool) -> bool:
        value = raw.get(name, "").lower()
        if not value:
            return default
        if value in TRUE | FALSE:
            return value in TRUE
        self.error(name, f"« {value} » : écrivez oui ou non.")
        return default

    def _integer(self, raw: dict, name: str, minimum: int, maximum: int):
        value = raw.get(name, "")
        if not value:
            return None
        if not (value.isascii() and value.isdigit()) or not minimum <= int(value) <= maximum:
            self.error(name, f"« {value} » : un nombre entier entre {minimum} et {maximum}.")
            return None
        return int(value)

    def _validated(self, raw: dict, name: str, validator, message: str) -> str:
        value = raw.get(name, "")
        if value:
            try:
                validator(value)
            except ValidationError:
                self.error(name, message)
        return value

    def _date(self, raw: dict, name: str):
        value = raw.get(name, "")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.error(name, f"« {value} » : une date AAAA-MM-JJ est obligatoire.")
            return None
        if day > timezone.localdate():
            self.error(name, f"« {value} » est dans le futur.")
        elif day < tabular.EARLIEST_DATE:
            self.error(
                name, f"« {value} » : avant {tabular.EARLIEST_DATE.year}, cette date ne peut être juste."
            )
        return day

    def _location(self, raw: dict, nationwide: bool) -> dict:
        """The commune (INSEE code) and position; the position defaults to the commune's town hall."""
        code, postal_code = raw.get("commune_insee", ""), raw.get("postal_code", "")
        commune = Commune.objects.filter(pk=code).prefetch_related("postal_codes").first() if code else None
        if code and commune is None:
            self.error(
                "commune_insee", f"« {code} » : aucune commune n’a ce code INSEE (chargez la géographie ?)."
            )
        if postal_code and not re.fullmatch(r"\d{5}", postal_code):
            self.error("postal_code", f"« {postal_code} » : 5 chiffres.")
        elif postal_code and commune and postal_code not in {p.code for p in commune.postal_codes.all()}:
            self.error("postal_code", f"{postal_code} n’est pas un code postal de {commune.name}.")
        latitude, longitude = self._coordinates(raw)
        if latitude is None and commune:
            latitude, longitude = commune.latitude, commune.longitude
        if (
            latitude is None
            and not nationwide
            and not self._has_error("commune_insee", "latitude", "longitude")
        ):
            self.error(
                "commune_insee", "une commune ou des coordonnées sont obligatoires (sauf nationwide=oui)."
            )
        return {
            "commune_id": commune.pk if commune else None,
            "postal_code": postal_code,
            "latitude": latitude,
            "longitude": longitude,
        }

    def _coordinates(self, raw: dict):
        latitude, longitude = raw.get("latitude", ""), raw.get("longitude", "")
        if not latitude and not longitude:
            return None, None
        try:
            lat, lon = float(latitude.replace(",", ".")), float(longitude.replace(",", "."))
        except ValueError:
            self.error(
                "latitude" if latitude else "longitude",
                "latitude et longitude vont ensemble, en degrés décimaux (ex. 44.8378 et -0.5792).",
            )
            return None, None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            self.error("latitude", "coordonnées hors de la Terre.")
            return None, None
        return lat, lon

    def _has_error(self, *columns) -> bool:
        return any(error.column in columns for error in self.errors)


def _write(cleaned: list[dict]) -> ImportReport:
    report = ImportReport()
    existing = Entry.objects.in_bulk(
        [row["values"]["external_id"] for row in cleaned], field_name="external_id"
    )
    for row in cleaned:
        values, relations = row["values"], row["relations"]
        entry = existing.get(values["external_id"])
        report.external_ids.append(values["external_id"])
        if entry is None:
            entry = Entry.objects.create(**values)
            report.created += 1
        elif _differs(entry, values, relations):
            for name, value in values.items():
                setattr(entry, name, value)
            entry.save()
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        for name in RELATIONS:
            getattr(entry, name).set(relations[name])
    return report


def _differs(entry: Entry, values: dict, relations: dict) -> bool:
    if any(getattr(entry, name) != values[name] for name in SCALARS):
        return True
    return any(
        sorted(getattr(entry, name).values_list("pk", flat=True)) != relations[name] for name in RELATIONS
    )
