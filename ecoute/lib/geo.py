"""Distances on the Earth without a GIS server: great-circle distance and a bounding box around a point."""

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180


@dataclass(frozen=True)
class BoundingBox:
    south: float
    west: float
    north: float
    east: float


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two WGS 84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = math.radians(lat2 - lat1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> BoundingBox:
    """The smallest latitude/longitude rectangle that holds every point within RADIUS_KM of (lat, lon).

    An index on (latitude, longitude) can serve a range query on this box; the exact distance is
    then computed on the few rows inside it. Near the poles the box spans every longitude.
    """
    dlat = radius_km / KM_PER_DEGREE_LATITUDE
    # A degree of longitude is shortest on the box's edge nearest the pole: measure it there.
    cos_lat = math.cos(math.radians(min(90.0, abs(lat) + dlat)))
    dlon = 180.0 if cos_lat < 1e-6 else min(180.0, radius_km / (KM_PER_DEGREE_LATITUDE * cos_lat))
    return BoundingBox(
        max(-90.0, lat - dlat), max(-180.0, lon - dlon), min(90.0, lat + dlat), min(180.0, lon + dlon)
    )
