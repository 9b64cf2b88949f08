"""The open-standard exports validate: FHIR R4 (fhirclient's R4 models, fhir.resources' R4B) and HSDS 3.0."""

import jsonschema
import pytest
from fhir.resources.R4B.bundle import Bundle as BundleR4B
from fhirclient.models.bundle import Bundle as BundleR4

from .conftest import BORDEAUX, LYON, make_entry

pytestmark = pytest.mark.usefixtures("geography")

UUID = {"type": "string", "format": "uuid"}


def _object(required: list[str], **properties) -> dict:
    return {"type": "object", "required": required, "properties": properties}


# The HSDS 3.0 service with the nested objects we publish; required fields and types as in the
# specification's schemas (service, organization, service_at_location, location, address, phone, language, attribute).
ADDRESS = _object(
    ["id", "address_1", "city", "state_province", "postal_code", "country", "address_type"],
    id=UUID,
    country={"type": "string", "pattern": "^[A-Z]{2}$"},
    address_type={"enum": ["physical", "postal", "virtual"]},
)
LOCATION = _object(
    ["id", "location_type"],
    id=UUID,
    location_type={"enum": ["physical", "postal", "virtual"]},
    latitude={"type": "number"},
    longitude={"type": "number"},
    addresses={"type": "array", "items": ADDRESS},
)
SERVICE = _object(
    ["id", "name", "status"],
    id=UUID,
    organization_id=UUID,
    name={"type": "string", "minLength": 1},
    status={"enum": ["active", "inactive", "defunct", "temporarily closed"]},
    assured_date={"type": "string", "format": "date"},
    url={"type": "string", "format": "uri"},
    email={"type": "string", "format": "email"},
    organization=_object(["id", "name", "description"], id=UUID),
    phones={"type": "array", "items": _object(["id", "number"], id=UUID)},
    languages={"type": "array", "items": _object(["id"], id=UUID)},
    attributes={
        "type": "array",
        "items": _object(["id", "taxonomy_term_id", "link_id", "link_entity"], id=UUID),
    },
    service_at_locations={"type": "array", "items": _object(["id"], id=UUID, location=LOCATION)},
)
PAGE = _object(
    ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"],
    contents={"type": "array", "items": SERVICE},
)


@pytest.fixture
def directory(geography):
    make_entry(
        "pro-1",
        BORDEAUX,
        name="Dr Claire Martin",
        profession="psychiatre",
        themes=["burnout"],
        languages=["en"],
        networks=["sps"],
        phone="05 56 00 00 01",
        email="claire@example.org",
        website="https://example.org",
        address="1 rue Pasteur",
        postal_code="33000",
    )
    make_entry(
        "unit-1",
        LYON,
        kind="unit",
        unit_status="upcoming",
        opening="Ouverture en 2027",
        beds=24,
        organization="Clinique",
        themes=["burnout", "depression"],
        networks=["sps"],
    )
    make_entry("3114", None, kind="emergency", nationwide=True, phone="3114", themes=["risque-suicidaire"])


def test_the_fhir_bundle_validates_as_r4_and_has_every_resource_type(client, directory):
    response = client.get("/api/directory/fhir")
    assert response["Content-Type"] == "application/fhir+json"
    bundle = response.json()
    BundleR4(bundle, strict=True)  # raises FHIRValidationError on any unknown, missing or mistyped element
    BundleR4B.model_validate(bundle)
    types = {item["resource"]["resourceType"] for item in bundle["entry"]}
    assert types == {"Organization", "Practitioner", "PractitionerRole", "HealthcareService", "Location"}
    ids = {f"{item['resource']['resourceType']}/{item['resource']['id']}" for item in bundle["entry"]}
    role = next(
        item["resource"] for item in bundle["entry"] if item["resource"]["resourceType"] == "PractitionerRole"
    )
    assert {
        role["practitioner"]["reference"],
        role["organization"]["reference"],
        role["location"][0]["reference"],
    } <= ids
    unit = next(item["resource"] for item in bundle["entry"] if item["resource"].get("name") == "unit-1")
    assert (
        unit["resourceType"] == "HealthcareService" and unit["active"] is False
    )  # upcoming: listed, not yet open


def test_the_fhir_bundle_pages_with_a_next_link(client, directory):
    first = client.get("/api/directory/fhir", {"per_page": 2}).json()
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert first["total"] == 3 and set(links) == {"self", "next"}
    last = client.get(links["next"]).json()
    BundleR4(last, strict=True)
    assert [link["relation"] for link in last["link"]] == ["self"]
    assert last["link"][0]["url"] == "http://testserver/api/directory/fhir?page=2&per_page=2"


def test_every_fhir_entry_has_a_full_url_under_the_fhir_base_and_a_search_mode(client, directory):
    bundle = client.get("/api/directory/fhir").json()
    BundleR4B.model_validate(bundle)
    assert bundle["link"] == [
        {"relation": "self", "url": "http://testserver/api/directory/fhir?page=1&per_page=100"}
    ]
    for item in bundle["entry"]:
        resource = item["resource"]
        assert (
            item["fullUrl"]
            == f"http://testserver/api/directory/fhir/{resource['resourceType']}/{resource['id']}"
        )
    modes = {item["resource"]["resourceType"]: item["search"]["mode"] for item in bundle["entry"]}
    assert modes == {
        "PractitionerRole": "match",
        "HealthcareService": "match",
        "Practitioner": "include",
        "Organization": "include",
        "Location": "include",
    }
    # The matches are the directory's entries: as many as Bundle.total says.
    assert sum(item["search"]["mode"] == "match" for item in bundle["entry"]) == bundle["total"] == 3


def test_the_hsds_export_validates_against_hsds_3(client, directory):
    page = client.get("/api/directory/hsds/services").json()
    jsonschema.validate(page, PAGE, format_checker=jsonschema.FormatChecker())
    assert page["total_items"] == 3
    by_name = {service["name"]: service for service in page["contents"]}
    assert by_name["unit-1"]["status"] == "inactive" and by_name["Dr Claire Martin"]["status"] == "active"
    location = by_name["Dr Claire Martin"]["service_at_locations"][0]["location"]
    assert location["addresses"][0]["city"] == "Bordeaux" and location["addresses"][0]["country"] == "FR"


def test_hsds_ids_are_stable_from_one_export_to_the_next(client, directory):
    first = client.get("/api/directory/hsds/services").json()
    assert client.get("/api/directory/hsds/services").json() == first


@pytest.mark.parametrize("params", [{"page": "9"}, {"per_page": "0"}, {"page": "un"}])
def test_bad_pagination_is_a_clear_error(client, directory, params):
    response = client.get("/api/directory/hsds/services", params)
    assert response.status_code == 400 and response.json()["errors"]
