// Boundary map (Leaflet). No tiles unless an administrator set a tile URL: on an
// intranet the polygons alone, on a plain background, are the map.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || !window.L) { return; }
  var map = window.L.map(element, { attributionControl: false, zoomSnap: 0.25 });
  var tiles = element.getAttribute("data-tiles");
  if (tiles) { window.L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
  var focus = element.getAttribute("data-focus");
  var colours = { bureau: "#1f4e79", station: "#2e75b6", community: "#70ad47", grid: "#a5a5a5" };
  fetch(element.getAttribute("data-geojson"), { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (collection) {
      var focused = null;
      var layer = window.L.geoJSON(collection, {
        style: function (feature) {
          var level = feature.properties.level;
          var isFocus = feature.properties.id === focus;
          return { color: colours[level] || "#555", weight: isFocus ? 3 : (level === "grid" ? 1 : 2), fillOpacity: isFocus ? 0.25 : 0.05 };
        },
        onEachFeature: function (feature, shape) {
          shape.bindTooltip(feature.properties.name);
          shape.on("click", function () { window.location.href = "/admin/org/nodes/" + feature.properties.id; });
          if (feature.properties.id === focus) { focused = shape; }
        }
      }).addTo(map);
      var bounds = focused ? focused.getBounds() : layer.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([30, 120], 5); }
      // A standard address: its point inside its grid.
      var point = (element.getAttribute("data-point") || "").split(",").map(Number);
      if (point.length === 2 && isFinite(point[0]) && isFinite(point[1])) {
        window.L.circleMarker([point[1], point[0]], { radius: 7, color: "#c00000", weight: 2, fillOpacity: 0.6 }).addTo(map);
      }
      element.setAttribute("data-features", String(collection.features.length));
    });
})();
