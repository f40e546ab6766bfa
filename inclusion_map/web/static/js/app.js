/* Enhancements only: the search, the list and the details work without this file. */
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var lang = params.get("lang") === "en" ? "en" : "fr";

  // "Autour de moi": browser geolocation, then the same search page with lon/lat in the URL.
  var near = document.getElementById("near-me");
  if (near && "geolocation" in navigator) {
    near.hidden = false;
    near.addEventListener("click", function () {
      var status = document.getElementById("near-me-status");
      navigator.geolocation.getCurrentPosition(function (pos) {
        var next = new URLSearchParams(window.location.search);
        next.delete("q"); next.delete("page");
        next.set("lon", pos.coords.longitude.toFixed(5));
        next.set("lat", pos.coords.latitude.toFixed(5));
        window.location.search = next.toString();
      }, function () {
        if (status) { status.textContent = near.getAttribute("data-denied"); }
      }, { timeout: 10000, maximumAge: 60000 });
    });
  }

  // Suggestions for the search box: communes and postcodes, answered by our own API.
  var input = document.getElementById("q");
  var list = document.getElementById("q-suggestions");
  var timer = null;
  if (input && list) {
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { return; }
      timer = setTimeout(function () {
        fetch("/api/places?q=" + encodeURIComponent(q)).then(function (r) { return r.ok ? r.json() : []; })
          .then(function (places) {
            list.textContent = "";
            places.forEach(function (p) {
              var option = document.createElement("option");
              option.value = p.label.split(" (")[0];
              option.textContent = p.label;
              list.appendChild(option);
            });
          }).catch(function () {});
      }, 200);
    });
  }

  // The map: venues of the visible area, from the API, in clusters. Text only (never HTML).
  var frame = document.querySelector("[data-map]");
  if (!frame) { return; }
  // (window[id] would be the map's <div>: browsers name elements by id, so a dedicated global is used.)
  if (window.inclusionMap) { startMap(); } else { document.addEventListener("inclusion-map-ready", startMap); }

  function startMap() {
  if (!window.L) { return; }
  var map = window.inclusionMap;
  if (!map || !(map instanceof L.Map)) { return; }
  // The searched place: a ring that is not a venue.
  var here = [parseFloat(frame.getAttribute("data-lat")), parseFloat(frame.getAttribute("data-lon"))];
  if (!isNaN(here[0])) {
    L.circleMarker(here, { radius: 10, color: "#1b1b1b", weight: 3, fill: false, interactive: false }).addTo(map);
  }
  // A cluster is a button: its name says how many places it holds and what pressing it does
  // (« 2 lieux — agrandir »), not only the bare number drawn on it.
  var texts = window.inclusionMapTexts || {};
  var ClusterIcon = L.DivIcon.extend({
    createIcon: function (old) {
      var icon = L.DivIcon.prototype.createIcon.call(this, old);
      icon.setAttribute("aria-label", this.options.label);
      return icon;
    }
  });
  var cluster = L.markerClusterGroup({
    showCoverageOnHover: false,
    iconCreateFunction: function (group) {
      var n = group.getChildCount();
      var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
      var label = n === 1 ? texts.map_cluster_one : (texts.map_cluster_many || "{n}").replace("{n}", String(n));
      // The count is a number we computed: no text of the data goes into the icon's HTML.
      return new ClusterIcon({ html: "<div><span aria-hidden=\"true\">" + Number(n) + "</span></div>",
                               className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40),
                               label: label || String(n) });
    }
  });
  map.addLayer(cluster);
  var filters = ["service", "modalite", "public", "label"];
  // Colours by the standard's own values (never by the page's language: « labels » are translated).
  var colour = function (networks) {
    if (networks.indexOf("France Services") >= 0) { return "#000091"; }
    if (networks.indexOf("Conseillers numériques") >= 0) { return "#b45309"; }
    return "#15803d";
  };
  var popup = function (props) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = props.url; link.textContent = props.nom || "—";
    var title = document.createElement("strong"); title.appendChild(link); box.appendChild(title);
    var status = document.createElement("div"); status.textContent = props.status; box.appendChild(status);
    var where = document.createElement("div");
    where.textContent = [props.adresse, props.code_postal, props.commune].filter(Boolean).join(" ");
    box.appendChild(where);
    return box;
  };
  var seen = {};
  var load = function () {
    if (map.getZoom() < 11) { return; }
    var b = map.getBounds();
    var query = new URLSearchParams();
    query.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(5); }).join(","));
    query.set("limit", "100");
    if (lang === "en") { query.set("lang", "en"); }
    filters.forEach(function (f) { params.getAll(f).forEach(function (v) { query.append(f, v); }); });
    if (params.get("gratuit") === "1") { query.append("frais", "Gratuit"); query.append("frais", "Gratuit sous condition"); }
    var page = function (offset) {
      query.set("offset", String(offset));
      fetch("/api/venues?" + query.toString()).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (!data) { return; }
        data.features.forEach(function (f) {
          if (!f.geometry || seen[f.id]) { return; }
          seen[f.id] = true;
          var c = f.geometry.coordinates;
          var marker = L.circleMarker([c[1], c[0]], { radius: 8, color: "#fff", weight: 2, fillOpacity: 1,
                                                      fillColor: colour(f.properties.dispositif_programmes_nationaux || "") });
          marker.bindPopup(popup(f.properties));
          cluster.addLayer(marker);
        });
        if (data.next && offset + data.limit < Math.min(data.total, 500)) { page(offset + data.limit); }
      }).catch(function () {});
    };
    page(0);
  };
  map.on("moveend", load);
  load();

  // The territory's other actors: one layer per public kind (its colour from the configuration),
  // loaded by URL like the venues, and a layer switch to show or hide each (the venues' too).
  var actorLayers = [];
  try { actorLayers = JSON.parse(frame.getAttribute("data-actor-layers") || "[]"); } catch (e) { actorLayers = []; }
  if (actorLayers.length) {
    // Leaflet writes the layers' names as HTML: they go in as text.
    var asText = function (value) { var span = document.createElement("span"); span.textContent = value; return span.innerHTML; };
    var overlays = {};
    overlays[asText(frame.getAttribute("data-venues-title") || "—")] = cluster;
    actorLayers.forEach(function (spec) {
      var group = L.layerGroup();
      var loaded = {};
      var fill = /^#[0-9a-fA-F]{6}$/.test(spec.colour) ? spec.colour : "#1b1b1b";
      var loadActors = function () {
        if (!map.hasLayer(group)) { return; }
        var b = map.getBounds();
        var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(5); }).join(",");
        fetch(spec.url + (spec.url.indexOf("?") >= 0 ? "&" : "?") + "bbox=" + bbox)
          .then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
            if (!data) { return; }
            data.features.forEach(function (f) {
              if (!f.geometry || loaded[f.id]) { return; }
              loaded[f.id] = true;
              var c = f.geometry.coordinates;
              // A dark ring tells actors from venues (white ring) beyond their colour.
              var marker = L.circleMarker([c[1], c[0]], { radius: 9, color: "#1b1b1b", weight: 3, fillOpacity: 1,
                                                          fillColor: fill });
              marker.bindPopup(popup({ url: f.properties.url, nom: f.properties.nom, status: spec.title,
                                       adresse: f.properties.adresse, code_postal: f.properties.code_postal,
                                       commune: f.properties.commune }));
              group.addLayer(marker);
            });
          }).catch(function () {});
      };
      map.on("moveend", loadActors);
      group.on("add", loadActors);
      if (spec.on) { map.addLayer(group); }
      overlays[asText(spec.title)] = group;
    });
    L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);
  }

  // Locate control: centre the map on the visitor.
  var Locate = L.Control.extend({
    onAdd: function () {
      var button = L.DomUtil.create("button", "leaflet-bar locate");
      button.type = "button";
      button.textContent = lang === "en" ? "My position" : "Ma position";
      L.DomEvent.on(button, "click", function (e) { L.DomEvent.stop(e); map.locate({ setView: true, maxZoom: 15 }); });
      return button;
    }
  });
  map.addControl(new Locate({ position: "topleft" }));
  }
})();
