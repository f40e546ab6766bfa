/* The correction form's map: drag the marker (or click the map) to set the latitude and longitude
   fields; typing in the fields moves the marker. The fields work without this file. */
(function () {
  "use strict";
  var frame = document.querySelector("[data-pick-map]");
  if (!frame) { return; }
  if (window.inclusionMap) { start(); } else { document.addEventListener("inclusion-map-ready", start); }

  function start() {
    var map = window.inclusionMap;
    if (!window.L || !(map instanceof L.Map)) { return; }
    var lat = document.getElementById("latitude");
    var lon = document.getElementById("longitude");
    var status = document.getElementById("position-statut");
    var read = function () {
      var y = parseFloat(lat.value.replace(",", ".")), x = parseFloat(lon.value.replace(",", "."));
      return isNaN(x) || isNaN(y) ? null : L.latLng(y, x);
    };
    var marker = L.marker(read() || map.getCenter(), {
      draggable: true, autoPan: true, title: frame.getAttribute("data-marker-title") || "",
      alt: frame.getAttribute("data-marker-title") || ""
    }).addTo(map);
    var write = function (point) {
      lat.value = point.lat.toFixed(7);
      lon.value = point.lng.toFixed(7);
      if (status) { status.textContent = (frame.getAttribute("data-moved") || "") + lat.value + ", " + lon.value; }
    };
    marker.on("dragend", function () { write(marker.getLatLng()); });
    map.on("click", function (event) { marker.setLatLng(event.latlng); write(event.latlng); });
    var follow = function () {
      var point = read();
      if (point) { marker.setLatLng(point); map.panTo(point); }
    };
    lat.addEventListener("change", follow);
    lon.addEventListener("change", follow);
  }
})();
