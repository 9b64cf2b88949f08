"""Entries as plain JSON: the read-only API, the map's markers and the referral card sent to a caller."""

from .models import Entry

# What a card shows a caller: public facts about the place, never anything about the caller or the call.
CARD_FIELDS = (
    "name",
    "organization",
    "subtitle",
    "address",
    "place",
    "phone",
    "email",
    "website",
    "how_to_reach",
    "what_to_expect",
)


def entry_json(entry: Entry, distance_km: float | None = None) -> dict:
    data = {
        "id": entry.pk,
        "external_id": entry.external_id,
        "kind": entry.kind,
        "kind_label": entry.get_kind_display(),
        "name": entry.name,
        "organization": entry.organization,
        "subtitle": entry.subtitle,
        "profession": entry.profession.slug if entry.profession else None,
        "service_type": entry.service_type or None,
        "unit_status": entry.unit_status or None,
        "opening": entry.opening,
        "beds": entry.beds,
        "networks": [network.slug for network in entry.networks.all()],
        "themes": [theme.slug for theme in entry.themes.all()],
        "languages": [language.code for language in entry.languages.all()],
        "teleconsultation": entry.teleconsultation,
        "accepting_new_patients": entry.accepting_new_patients,
        "nationwide": entry.nationwide,
        "address": entry.address,
        "postal_code": entry.postal_code,
        "commune": entry.commune.name if entry.commune_id else None,
        "commune_insee": entry.commune_id,
        "latitude": entry.latitude,
        "longitude": entry.longitude,
        "phone": entry.phone,
        "email": entry.email,
        "website": entry.website,
        "what_to_expect": entry.what_to_expect,
        "how_to_reach": entry.how_to_reach,
        "last_verified": entry.last_verified.isoformat(),
        "url": entry.get_absolute_url(),
    }
    if distance_km is not None:
        data["distance_km"] = distance_km
    return data


def marker_json(entry: Entry, distance_km: float | None = None) -> dict:
    """A GeoJSON point feature: what a marker and its pop-up need, nothing more."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [entry.longitude, entry.latitude]},
        "properties": {
            "id": entry.pk,
            "name": entry.name,
            "subtitle": entry.subtitle,
            "kind": entry.kind,
            "unit_status": entry.unit_status or None,
            "place": entry.place,
            "url": entry.get_absolute_url(),
            "distance_km": distance_km,
        },
    }


def referral_card(entry: Entry) -> dict:
    """The card a psychologist sends to the caller's screen; the caller's device keeps it."""
    card = {name: getattr(entry, name) or "" for name in CARD_FIELDS}
    card["entry_id"] = entry.pk
    card["url"] = entry.get_absolute_url()
    return card
