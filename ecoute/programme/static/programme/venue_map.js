// The event form's map: click where the venue is, or drag the marker, and its latitude and longitude
// fill the form's fields; typing them moves the marker. France's outlines sit under the (optional)
// tiles as on the directory's map. The server checks the position (France or a DOM) on saving.
/* global L */
// The admin loads its scripts in the page's head: wait for the form.
document.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("venue-map");
  const latitude = document.getElementById("id_venue_latitude");
  const longitude = document.getElementById("id_venue_longitude");

  if (element && latitude && longitude) {
    const FRANCE = [[41.3, -5.2], [51.1, 9.6]];
    const map = L.map(element, { scrollWheelZoom: false, minZoom: 3, maxZoom: 18, zoomAnimation: false, fadeAnimation: false });
    map.createPane("outlines").style.zIndex = 150;
    if (element.dataset.tiles) L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 18 }).addTo(map);
    fetch(element.dataset.outlines)
      .then((response) => response.json())
      .then((outlines) => {
        L.geoJSON(outlines, { pane: "outlines", interactive: false, style: { color: "#7d8b8c", weight: 1, fillColor: "#e9efe8", fillOpacity: 1 } }).addTo(map);
        element.dataset.ready = "1";
      });

    let marker = null;
    const round = (value) => Math.round(value * 1e5) / 1e5; // about a metre: enough for a door
    function place(position, fill) {
      if (!marker) {
        marker = L.marker(position, { draggable: true, keyboard: false }).addTo(map);
        marker.on("dragend", () => place(marker.getLatLng(), true));
      }
      marker.setLatLng(position);
      if (fill) {
        latitude.value = round(position.lat);
        longitude.value = round(position.lng);
      }
      element.dataset.marker = `${latitude.value},${longitude.value}`;
    }
    function fromFields() {
      const lat = parseFloat(latitude.value.replace(",", "."));
      const lng = parseFloat(longitude.value.replace(",", "."));
      if (Number.isFinite(lat) && Number.isFinite(lng)) {
        // The map's view first: Leaflet places no marker on a map without one.
        map.setView([lat, lng], Math.max(map.getZoom() ?? 0, 12));
        place(L.latLng(lat, lng), false);
        return true;
      }
      return false;
    }
    map.on("click", (event) => place(event.latlng, true));
    latitude.addEventListener("change", fromFields);
    longitude.addEventListener("change", fromFields);
    if (!fromFields()) map.fitBounds(FRANCE);
  }
});
