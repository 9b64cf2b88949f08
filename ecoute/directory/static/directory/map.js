// The directory's map. France's outlines sit in a pane under the tiles: when no tile server answers
// (offline, blocked, or none configured) the outlines and the markers still show, never a blank map.
/* global L, get_format */
const element = document.getElementById("directory-map");
const FRANCE = [[41.3, -5.2], [51.1, 9.6]];
const STYLES = {
  open: { radius: 10, color: "#0b5d1e", weight: 3, fillColor: "#1b7a3a", fillOpacity: 1 },
  upcoming: { radius: 10, color: "#8a4b00", weight: 3, dashArray: "4 3", fillColor: "#ffffff", fillOpacity: 1 },
  day_hospital: { radius: 8, color: "#4a2a7a", weight: 2, fillColor: "#7a4fb5", fillOpacity: 1 },
  other: { radius: 6, color: "#0a4246", weight: 2, fillColor: "#1f8a91", fillOpacity: 0.9 },
};

function styleOf(properties) {
  if (properties.kind === "unit") return properties.unit_status === "upcoming" ? STYLES.upcoming : STYLES.open;
  if (properties.kind === "day_hospital") return STYLES.day_hospital;
  return STYLES.other;
}

function popup(properties) {
  const box = document.createElement("div");
  const link = document.createElement("a");
  link.href = properties.url;
  link.textContent = properties.name;
  const details = document.createElement("p");
  // The decimal separator of the page's language (the JavaScript catalog's formats): "2,5 km" in French.
  const distance = properties.distance_km == null ? "" : ` · ${String(properties.distance_km).replace(".", get_format("DECIMAL_SEPARATOR"))} km`;
  details.textContent = `${properties.subtitle}${properties.place ? " · " + properties.place : ""}${distance}`;
  box.append(link, details);
  return box;
}

// No zoom animation: calmer, and a screen reader or a screenshot never meets a half-drawn map.
const map = L.map(element, { scrollWheelZoom: false, minZoom: 3, maxZoom: 17, zoomAnimation: false, fadeAnimation: false });
map.fitBounds(FRANCE);
map.createPane("outlines").style.zIndex = 150; // below the tiles (200)
const tiles = element.dataset.tiles;
if (tiles) L.tileLayer(tiles, { attribution: element.dataset.attribution, maxZoom: 17 }).addTo(map);

fetch(element.dataset.outlines)
  .then((response) => response.json())
  .then((outlines) => {
    L.geoJSON(outlines, {
      pane: "outlines", interactive: false,
      style: { color: "#7d8b8c", weight: 1, fillColor: "#e9efe8", fillOpacity: 1 },
    }).addTo(map);
    element.dataset.outlinesDrawn = outlines.features.length;
  });

fetch(element.dataset.markers)
  .then((response) => response.json())
  .then((data) => {
    if (!data.features) return;
    // The searched place first, so that the entries drawn after it stay on top and clickable.
    const centre = data.centre ? [data.centre.latitude, data.centre.longitude] : null;
    if (centre) {
      L.circleMarker(centre, { radius: 7, color: "#1a56db", weight: 3, fillColor: "#ffffff", fillOpacity: 1 })
        .bindTooltip(data.centre.label).addTo(map);
    }
    L.geoJSON(data, {
      pointToLayer: (feature, position) => L.circleMarker(position, styleOf(feature.properties)),
      onEachFeature: (feature, marker) => marker.bindPopup(popup(feature.properties)),
    }).addTo(map);
    if (centre) {
      const nearest = data.features.filter((f) => f.properties.distance_km != null).slice(0, 10);
      const points = [centre, ...nearest.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]])];
      map.fitBounds(L.latLngBounds(points).pad(0.2), { maxZoom: 12, animate: false });
    }
    element.dataset.markerCount = String(data.features.length);
    element.dataset.ready = "1";
  });
