/* The gap map: zones (fragility), the distance grid and the venues, loaded by URL. Text only. */
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
    var zones = L.geoJSON(null, {
      style: function (f) {
        var c = f.properties.fragility_class;
        return { color: "#333", weight: 1, fillOpacity: 0.6, fillColor: c ? palette[Math.min(c, 5) - 1] : "#ccc" };
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        layer.bindPopup(text([p.nom + (p.rank ? " — " + (fr ? "rang " : "rank ") + p.rank : ""), p.fragility_label || "", p.reason || ""]));
      }
    }).addTo(map);
    // Thousands of grid cells: drawn on one canvas rather than as thousands of SVG elements, which
    // kept a phone's processor busy for seconds.
    var grid = L.geoJSON(null, {
      renderer: L.canvas({ padding: 0.2 }),
      style: function (f) {
        var beyond = !f.properties.within;
        return { stroke: false, fillOpacity: beyond ? 0.45 : 0.0, fillColor: "#1b1b1b" };
      },
      interactive: false
    });
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
    get(frame.getAttribute("data-zones")).then(function (data) {
      if (!data) { return; }
      zones.addData(data);
      if (zones.getBounds().isValid()) { map.fitBounds(zones.getBounds()); }
    });
    get(frame.getAttribute("data-grid")).then(function (data) { if (data) { grid.addData(data).addTo(map); } });
    get(frame.getAttribute("data-venues")).then(function (data) {
      if (!data) { return; }
      data.features.forEach(function (f) {
        if (!f.geometry) { return; }
        var c = f.geometry.coordinates;
        L.circleMarker([c[1], c[0]], { radius: 5, color: "#fff", weight: 1, fillColor: "#15803d", fillOpacity: 1 })
          .bindPopup(text([f.properties.nom || "", f.properties.commune || ""])).addTo(venues);
      });
    });
    // Suggested sites, numbered in the order of the greedy choice.
    JSON.parse(frame.getAttribute("data-sites") || "[]").forEach(function (site) {
      // The rank is a number from our own JSON; Number() keeps it so inside the icon's HTML.
      var icon = L.divIcon({ className: "site-mark", html: String(Number(site[0])), iconSize: [24, 24] });
      var marker = L.marker([site[2], site[1]], { icon: icon, keyboard: false }).addTo(map);
      marker.bindPopup(text([(fr ? "Lieu proposé n° " : "Suggested site #") + site[0]]));
    });
    var names = {};
    names[fr ? "Fragilité" : "Fragility"] = zones;
    names[fr ? "Au-delà du seuil" : "Beyond the threshold"] = grid;
    names[fr ? "Lieux d'aide" : "Help venues"] = venues;
    var switcher = L.control.layers(null, names, { collapsed: window.innerWidth < 600 }).addTo(map);  // folded on phones
    // Leaflet names the folded switch "Layers", in English: name it in the page's language.
    var toggle = switcher.getContainer().querySelector(".leaflet-control-layers-toggle");
    var texts = window.inclusionMapTexts || {};
    if (toggle && texts.map_layers) { toggle.title = texts.map_layers; toggle.setAttribute("aria-label", texts.map_layers); }
    // Each row of the table zooms the map to its zone: with its button (keyboard and mouse), or a
    // click anywhere in the row. The map then takes the focus, so that the keyboard goes on there.
    var show = function (code) {
      zones.eachLayer(function (layer) {
        if (layer.feature.properties.code === code) {
          map.fitBounds(layer.getBounds()); layer.openPopup();
          frame.scrollIntoView({ behavior: "smooth" });
          map.getContainer().focus({ preventScroll: true });
        }
      });
    };
    document.querySelectorAll("[data-needs-js]").forEach(function (el) { el.hidden = false; });
    document.querySelectorAll("button.zone-zoom").forEach(function (button) {
      button.addEventListener("click", function (e) { e.stopPropagation(); show(button.getAttribute("data-zone")); });
    });
    document.querySelectorAll("tr[data-zone]").forEach(function (row) {
      row.addEventListener("click", function (e) {
        if (e.target.closest("a, button")) { return; }  // the row's links and buttons do their own work
        show(row.getAttribute("data-zone"));
      });
    });
  }
})();
