"""The directory in open standards: Open Referral HSDS 3.0 and HL7 FHIR R4.

Identifiers are stable: HSDS ids are UUIDs derived from the entry's external id, FHIR ids from its
primary key, so that a consumer re-reading the export matches the same records.
"""

import uuid
from collections.abc import Iterable

from .models import Entry, Kind, Network, UnitStatus

# A fixed namespace: the same external id always gives the same HSDS UUID.
HSDS_NAMESPACE = uuid.UUID("6f1d6a52-4a57-4c2b-9a6e-2f0f5c0a5e11")
IDENTIFIER_SYSTEM = "urn:ecoute:directory:external-id"
THEME_TAXONOMY = "urn:ecoute:directory:themes"


def _uuid(*parts) -> str:
    return str(uuid.uuid5(HSDS_NAMESPACE, ":".join(str(part) for part in parts)))


def _compact(data: dict) -> dict:
    """HSDS and FHIR both prefer an absent field to an empty one."""
    return {key: value for key, value in data.items() if value not in ("", None, [], {})}


# --- HSDS 3.0 -------------------------------------------------------------------------------------


def hsds_page(entries: list[Entry], page: int, per_page: int, total: int) -> dict:
    """The HSDS 3.0 API's paginated list of services, each with its organization and locations."""
    pages = max(1, -(-total // per_page))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(entries),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not entries,
        "contents": [hsds_service(entry) for entry in entries],
    }


def hsds_service(entry: Entry) -> dict:
    service_id = _uuid("service", entry.external_id)
    organization = hsds_organization(entry)
    return _compact(
        {
            "id": service_id,
            "organization_id": organization["id"],
            "name": entry.name,
            "description": " — ".join(part for part in (entry.subtitle, entry.what_to_expect) if part),
            "url": entry.website,
            "email": entry.email,
            "status": "inactive"
            if entry.unit_status == UnitStatus.UPCOMING or not entry.published
            else "active",
            "alert": entry.opening,
            "application_process": entry.how_to_reach,
            "assured_date": entry.last_verified.isoformat(),
            "phones": [
                {"id": _uuid("phone", entry.external_id), "number": entry.phone, "service_id": service_id}
            ]
            if entry.phone
            else [],
            "languages": [
                {
                    "id": _uuid("language", entry.external_id, lang.code),
                    "name": lang.name,
                    "code": lang.code,
                    "service_id": service_id,
                }
                for lang in entry.languages.all()
            ],
            "attributes": [_hsds_theme(service_id, theme) for theme in entry.themes.all()],
            "organization": organization,
            "service_at_locations": [_hsds_service_at_location(entry, service_id)]
            if entry.has_position
            else [],
            "service_areas": [
                {
                    "id": _uuid("area", entry.external_id),
                    "service_id": service_id,
                    "name": "France",
                    "extent_type": "other",
                }
            ]
            if entry.nationwide
            else [],
        }
    )


def hsds_organization(entry: Entry) -> dict:
    """The structure behind an entry (a practice, a hospital, an association), or the entry itself."""
    name = entry.organization or entry.name
    networks = ", ".join(network.name for network in entry.networks.all())
    return _compact(
        {
            "id": _uuid("organization", name),
            "name": name,
            "description": f"Membre du réseau : {networks}." if networks else entry.get_kind_display(),
            "website": entry.website,
            "identifiers": [],
        }
    )


def _hsds_theme(service_id: str, theme) -> dict:
    term_id = _uuid("theme", theme.slug)
    return {
        "id": _uuid("attribute", service_id, theme.slug),
        "link_id": service_id,
        "link_type": "service",
        "link_entity": "service",
        "taxonomy_term_id": term_id,
        "label": theme.name,
        "taxonomy_term": {
            "id": term_id,
            "code": theme.slug,
            "name": theme.name,
            "description": theme.name,
            "vocabulary": THEME_TAXONOMY,
        },
    }


def _hsds_service_at_location(entry: Entry, service_id: str) -> dict:
    location_id = _uuid("location", entry.external_id)
    address = {
        "id": _uuid("address", entry.external_id),
        "location_id": location_id,
        "address_1": entry.address or entry.name,
        "city": entry.commune.name if entry.commune_id else "",
        "state_province": entry.commune.departement.name if entry.commune_id else "",
        "postal_code": entry.postal_code,
        "country": "FR",
        "address_type": "physical",
    }
    return {
        "id": _uuid("service_at_location", entry.external_id),
        "service_id": service_id,
        "location_id": location_id,
        "location": _compact(
            {
                "id": location_id,
                "location_type": "physical",
                "name": entry.organization or entry.name,
                "latitude": entry.latitude,
                "longitude": entry.longitude,
                "addresses": [address] if entry.commune_id else [],
            }
        ),
    }


# --- FHIR R4 --------------------------------------------------------------------------------------

# One per directory entry: what a search of the directory matches (and Bundle.total counts); the
# other resources (practitioners, organizations, places, networks) come along as what they reference.
FHIR_MATCHES = {"PractitionerRole", "HealthcareService"}


def fhir_bundle(
    entries: Iterable[Entry],
    networks: Iterable[Network],
    base_url: str,
    total: int,
    self_url: str,
    next_url: str = "",
) -> dict:
    """A `searchset` Bundle: Organization, Practitioner, PractitionerRole, HealthcareService, Location.

    BASE_URL is the FHIR base (each fullUrl is BASE_URL/Type/id); SELF_URL this page, NEXT_URL the next one.
    """
    resources = [fhir_network(network) for network in networks]
    for entry in entries:
        resources.extend(fhir_resources(entry))
    base = base_url.rstrip("/")
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": [{"relation": "self", "url": self_url}]
        + ([{"relation": "next", "url": next_url}] if next_url else []),
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match" if r["resourceType"] in FHIR_MATCHES else "include"},
            }
            for r in resources
        ],
    }
    return _compact(bundle)


def fhir_network(network: Network) -> dict:
    return _compact(
        {
            "resourceType": "Organization",
            "id": f"network-{network.slug}",
            "active": True,
            "name": network.name,
            "type": [{"text": "Réseau partenaire"}],
            "telecom": [{"system": "url", "value": network.website}] if network.website else [],
        }
    )


def fhir_resources(entry: Entry) -> list[dict]:
    """A professional is a Practitioner in a PractitionerRole; every other entry a HealthcareService of an Organization."""
    resources = []
    location = _fhir_location(entry)
    if location:
        resources.append(location)
    if entry.kind == Kind.PROFESSIONAL:
        resources += _fhir_practitioner(entry, location)
    else:
        resources += _fhir_service(entry, location)
    return resources


def _identifier(entry: Entry) -> list[dict]:
    return [{"system": IDENTIFIER_SYSTEM, "value": entry.external_id}]


def _telecom(entry: Entry) -> list[dict]:
    telecom = [{"system": "phone", "value": entry.phone, "use": "work"}] if entry.phone else []
    telecom += [{"system": "email", "value": entry.email, "use": "work"}] if entry.email else []
    telecom += [{"system": "url", "value": entry.website}] if entry.website else []
    return telecom


def _languages(entry: Entry) -> list[dict]:
    return [
        {
            "coding": [{"system": "urn:ietf:bcp:47", "code": lang.code, "display": lang.name}],
            "text": lang.name,
        }
        for lang in entry.languages.all()
    ]


def _themes(entry: Entry) -> list[dict]:
    return [
        {
            "coding": [{"system": THEME_TAXONOMY, "code": theme.slug, "display": theme.name}],
            "text": theme.name,
        }
        for theme in entry.themes.all()
    ]


def _fhir_location(entry: Entry) -> dict | None:
    if not entry.has_position:
        return None
    address = _compact(
        {
            "use": "work",
            "type": "physical",
            "line": [entry.address] if entry.address else [],
            "city": entry.commune.name if entry.commune_id else "",
            "postalCode": entry.postal_code,
            "district": entry.commune.departement.name if entry.commune_id else "",
            "country": "FR",
        }
    )
    return _compact(
        {
            "resourceType": "Location",
            "id": f"location-{entry.pk}",
            "identifier": _identifier(entry),
            "status": "active",
            "name": entry.organization or entry.name,
            "mode": "instance",
            "telecom": _telecom(entry),
            "address": address,
            "position": {"longitude": entry.longitude, "latitude": entry.latitude},
        }
    )


def _references(entry: Entry) -> list[dict]:
    return [
        {"reference": f"Organization/network-{network.slug}", "display": network.name}
        for network in entry.networks.all()
    ]


def _fhir_practitioner(entry: Entry, location: dict | None) -> list[dict]:
    practitioner = _compact(
        {
            "resourceType": "Practitioner",
            "id": f"practitioner-{entry.pk}",
            "identifier": _identifier(entry),
            "active": entry.published,
            "name": [{"use": "official", "text": entry.name}],
            "telecom": _telecom(entry),
            "communication": _languages(entry),
        }
    )
    networks = _references(entry)
    role = _compact(
        {
            "resourceType": "PractitionerRole",
            "id": f"role-{entry.pk}",
            "identifier": _identifier(entry),
            "active": entry.published,
            "practitioner": {"reference": f"Practitioner/{practitioner['id']}", "display": entry.name},
            "organization": networks[0] if networks else None,
            "code": [{"text": entry.profession.name}] if entry.profession else [],
            "specialty": _themes(entry),
            "location": [{"reference": f"Location/{location['id']}"}] if location else [],
            "telecom": _telecom(entry),
            "availabilityExceptions": entry.how_to_reach,
        }
    )
    return [practitioner, role]


def _fhir_service(entry: Entry, location: dict | None) -> list[dict]:
    organization = _compact(
        {
            "resourceType": "Organization",
            "id": f"organization-{entry.pk}",
            "identifier": _identifier(entry),
            "active": entry.published,
            "type": [{"text": entry.get_kind_display()}],
            "name": entry.organization or entry.name,
            "telecom": _telecom(entry),
            "partOf": (_references(entry) or [None])[0],
        }
    )
    service = _compact(
        {
            "resourceType": "HealthcareService",
            "id": f"service-{entry.pk}",
            "identifier": _identifier(entry),
            # An upcoming unit is listed but does not take patients yet.
            "active": entry.published and entry.unit_status != UnitStatus.UPCOMING,
            "providedBy": {
                "reference": f"Organization/{organization['id']}",
                "display": organization["name"],
            },
            "category": [{"text": entry.get_kind_display()}],
            "type": [{"text": entry.subtitle}],
            "specialty": _themes(entry),
            "location": [{"reference": f"Location/{location['id']}"}] if location else [],
            "name": entry.name,
            "comment": entry.opening or entry.subtitle,
            "extraDetails": entry.what_to_expect,
            "telecom": _telecom(entry),
            "communication": _languages(entry),
            "appointmentRequired": entry.kind != Kind.EMERGENCY,
            "availabilityExceptions": entry.how_to_reach,
        }
    )
    return [organization, service]
