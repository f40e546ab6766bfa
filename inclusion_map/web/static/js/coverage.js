/* The gap map: zones (fragility), the distance grid (tiles) and the venues, loaded by URL; by area and
   zoom for a large analysis. Text only. */
(function () {
  "use strict";
  var frame = document.querySelector("[data-map]");
  if (!frame) { return; }
  var palette = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"];
  var fr = frame.getAttribute("data-lang") !== "en";
  if (window.inclusionMap) { start(); } else { document.addEventListener("inclusion-map-ready", start); }

  function text(lines) {
    var box = document.createElement("div");
    lines.forEach(function (line) { var p = document.createElement("div"); p.textContent = line; box.appendChild(p); });
    return box;
  }

  function start() {
    var map = window.inclusionMap;
    if (!window.L || !(map instanceof L.Map)) { return; }
    var layers = JSON.parse(frame.getAttribute("data-layers") || "{}");
    var zones = L.geoJSON(null, {
      style: function (f) {
        var c = f.properties.fragility_class;
        return { color: "#333", weight: 1, fillOpacity: 0.6, fillColor: c ? palette[Math.min(c, 5) - 1] : "#ccc" };
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        layer.bindPopup(text([p.nom + (p.rank ? " — " + (fr ? "rang " : "rank ") + p.rank : ""), p.fragility_label || "", p.reason || ""]));
      }
    });
    // A large analysis (the whole country): below zones_min_zoom its zones are drawn by tiles of
    // their fragility class, and from that zoom fetched for the area in view only.
    var fragility = L.layerGroup([zones]).addTo(map);
    var overview = layers.fragility_tiles ? L.tileLayer(layers.fragility_tiles, { opacity: 1, maxZoom: 19 }) : null;
    // The grid is drawn by tiles made on the server, however many cells the analysis has.
    var grid = L.tileLayer(layers.grid_tiles, { opacity: 1, maxZoom: 19 }).addTo(map);
    var venues = L.layerGroup().addTo(map);
    // An analysis still running answers 503 with Retry-After: ask again then (a few times at most).
    var get = function (url, tries) {
      return fetch(url).then(function (r) {
        if (r.status === 503 && (tries || 0) < 10) {
          var wait = Math.min(30, Number(r.headers.get("Retry-After")) || 2) * 1000;
          return new Promise(function (done) { setTimeout(done, wait); })
            .then(function () { return get(url, (tries || 0) + 1); });
        }
        return r.ok ? r.json() : null;
      });
    };
    var area = function (url) {
      var b = map.getBounds().pad(0.2);
      var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(4); });
      return url + (url.indexOf("?") < 0 ? "?" : "&") + "bbox=" + box.join(",") + "&zoom=" + map.getZoom();
    };
    var pendingZone = null;  // a zone asked from the table before its area was loaded
    var showVenues = function (data) {
      venues.clearLayers();
      if (!data) { return; }
      data.features.forEach(function (f) {
        if (!f.geometry) { return; }
        var c = f.geometry.coordinates;
        L.circleMarker([c[1], c[0]], { radius: 5, color: "#fff", weight: 1, fillColor: "#15803d", fillOpacity: 1 })
          .bindPopup(text([f.properties.nom || "", f.properties.commune || ""])).addTo(venues);
      });
    };
    var asked = 0;
    var refresh = function () {
      var ask = ++asked;  // answers to an earlier view are dropped
      var zoom = map.getZoom();
      if (layers.zones_min_zoom) {
        var close = zoom >= layers.zones_min_zoom;
        if (overview) { if (close) { fragility.removeLayer(overview); } else { fragility.addLayer(overview); } }
        if (!close) { zones.clearLayers(); }
        else {
          get(area(layers.zones)).then(function (data) {
            if (!data || ask !== asked) { return; }
            zones.clearLayers(); zones.addData(data);
            if (pendingZone) { open(pendingZone, false); pendingZone = null; }
          });
        }
      }
      if (layers.venues_min_zoom) {
        if (zoom < layers.venues_min_zoom) { venues.clearLayers(); }
        else { get(area(layers.venues).replace(/&zoom=\d+$/, "")).then(function (data) { if (ask === asked) { showVenues(data); } }); }
      }
    };
    if (layers.zones_min_zoom) {
      if (layers.bounds) { map.fitBounds([[layers.bounds[1], layers.bounds[0]], [layers.bounds[3], layers.bounds[2]]]); }
      map.on("moveend", refresh);
      refresh();
    } else {
      get(layers.zones).then(function (data) {
        if (!data) { return; }
        zones.addData(data);
        if (zones.getBounds().isValid()) { map.fitBounds(zones.getBounds()); }
      });
    }
    if (!layers.venues_min_zoom) { get(layers.venues).then(showVenues); }
    // Suggested sites, numbered in the order of the greedy choice.
    JSON.parse(frame.getAttribute("data-sites") || "[]").forEach(function (site) {
      // The rank is a number from our own JSON; Number() keeps it so inside the icon's HTML.
      var icon = L.divIcon({ className: "site-mark", html: String(Number(site[0])), iconSize: [24, 24] });
      var marker = L.marker([site[2], site[1]], { icon: icon, keyboard: false }).addTo(map);
      marker.bindPopup(text([(fr ? "Lieu proposé n° " : "Suggested site #") + site[0]]));
    });
    var names = {};
    names[fr ? "Fragilité" : "Fragility"] = fragility;
    names[fr ? "Au-delà du seuil" : "Beyond the threshold"] = grid;
    names[fr ? "Lieux d'aide" : "Help venues"] = venues;
    var switcher = L.control.layers(null, names, { collapsed: window.innerWidth < 600 }).addTo(map);  // folded on phones
    // Leaflet names the folded switch "Layers", in English: name it in the page's language.
    var toggle = switcher.getContainer().querySelector(".leaflet-control-layers-toggle");
    var texts = window.inclusionMapTexts || {};
    if (toggle && texts.map_layers) { toggle.title = texts.map_layers; toggle.setAttribute("aria-label", texts.map_layers); }
    // Each row of the table zooms the map to its zone: with its button (keyboard and mouse), or a
    // click anywhere in the row. The map then takes the focus, so that the keyboard goes on there.
    var open = function (code, move) {
      var found = false;
      zones.eachLayer(function (layer) {
        if (layer.feature.properties.code === code) {
          if (move) { map.fitBounds(layer.getBounds()); }
          layer.openPopup(); found = true;
        }
      });
      return found;
    };
    var show = function (code, bounds) {
      if (!open(code, true)) {
        // Not loaded yet (a large analysis loads the zones in view): go there, open it once loaded.
        var b = (bounds || "").split(",").map(Number);
        if (b.length === 4 && b.every(isFinite)) {
          pendingZone = code;
          map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: 14 });
          if (map.getZoom() < (layers.zones_min_zoom || 0)) { map.setZoom(layers.zones_min_zoom); }
        }
      }
      frame.scrollIntoView({ behavior: "smooth" });
      map.getContainer().focus({ preventScroll: true });
    };
    document.querySelectorAll("[data-needs-js]").forEach(function (el) { el.hidden = false; });
    document.querySelectorAll("button.zone-zoom").forEach(function (button) {
      button.addEventListener("click", function (e) { e.stopPropagation(); show(button.getAttribute("data-zone"), button.getAttribute("data-bounds")); });
    });
    document.querySelectorAll("tr[data-zone]").forEach(function (row) {
      row.addEventListener("click", function (e) {
        if (e.target.closest("a, button")) { return; }  // the row's links and buttons do their own work
        var button = row.querySelector("button.zone-zoom");
        show(row.getAttribute("data-zone"), button ? button.getAttribute("data-bounds") : "");
      });
    });
  }
})();
