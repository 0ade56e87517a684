/* The 一张图 map: the grids of one's scope coloured by their open and overdue tickets, and
   the open tickets as clustered markers, drawn with Leaflet from the two GeoJSON layers the
   container names. Labels, links and the tile template come from its data- attributes (the
   CSP allows no inline script). Once drawn, the container says how many grids and tickets it
   drew: data-grids-loaded, data-tickets-loaded; on a failure, data-map-error. */
(function () {
  "use strict";
  var COLOURS = { clear: "#0b6bcb", open: "#dc6803", overdue: "#b42318", ticket: "#6941c6" };
  var CANVAS_FROM = 3000; // more grids than this: one canvas instead of an SVG path each

  var box = document.getElementById("map");
  var status = document.getElementById("map-status");
  if (!box || !window.L) { return; }
  var data = box.dataset;

  function kind(properties) {
    if (properties.overdue > 0) { return "overdue"; }
    return properties.open > 0 ? "open" : "clear";
  }

  function line(parent, tag, text) {
    var element = document.createElement(tag);
    element.textContent = text;
    parent.appendChild(element);
    return element;
  }

  function gridPopup(properties) {
    var popup = document.createElement("div");
    popup.className = "map-popup";
    line(popup, "strong", properties.name);
    line(popup, "div", properties.path);
    line(popup, "div", data.labelWorker + "：" + (properties.worker || data.labelNobody));
    line(popup, "div", data.labelOpen + " " + properties.open + " · " +
      data.labelOverdue + " " + properties.overdue);
    return popup;
  }

  function ticketPopup(properties) {
    var popup = document.createElement("div");
    popup.className = "map-popup";
    line(popup, "strong", properties.code);
    line(popup, "div", properties.category);
    var link = line(popup, "a", data.labelView);
    link.href = data.ticketLink + encodeURIComponent(properties.code);
    return popup;
  }

  function gridLayer(collection) {
    var many = collection.features.length > CANVAS_FROM;
    return L.geoJSON(collection, {
      renderer: many ? L.canvas() : L.svg(),
      style: function (feature) {
        var which = kind(feature.properties);
        return { className: "grid grid-" + which, color: COLOURS[which], weight: 1,
          fillColor: COLOURS[which], fillOpacity: 0.3 };
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(function () { return gridPopup(feature.properties); });
      }
    });
  }

  function ticketLayer(collection) {
    var clusters = L.markerClusterGroup({ maxClusterRadius: 50 });
    L.geoJSON(collection, {
      pointToLayer: function (feature, latlng) {
        var late = feature.properties.overdue;
        return L.circleMarker(latlng, { radius: 7, weight: 2, color: "#fff",
          fillColor: late ? COLOURS.overdue : COLOURS.ticket, fillOpacity: 0.9,
          className: "ticket" + (late ? " ticket-overdue" : "") });
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(function () { return ticketPopup(feature.properties); });
      }
    }).eachLayer(function (marker) { clusters.addLayer(marker); });
    return clusters;
  }

  function fetched(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(url + ": " + response.status); }
        return response.json();
      });
  }

  var MAX_ZOOM = 18; // the clustering needs one even without tiles
  var map = L.map(box, { attributionControl: Boolean(data.tiles), zoomSnap: 0.5,
    maxZoom: MAX_ZOOM });
  map.setView([35.9, 104.2], 4); // China, until the grids are there
  if (data.tiles) {
    var credit = document.createElement("span");
    credit.textContent = data.attribution; // Leaflet writes it as HTML: escaped here
    L.tileLayer(data.tiles, { subdomains: data.subdomains, attribution: credit.innerHTML,
      maxZoom: MAX_ZOOM }).addTo(map);
  }

  Promise.all([fetched(data.grids), fetched(data.tickets)]).then(function (layers) {
    var grids = gridLayer(layers[0]).addTo(map);
    var tickets = ticketLayer(layers[1]).addTo(map);
    var bounds = grids.getBounds();
    if (!bounds.isValid()) { bounds = tickets.getBounds(); }
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12] }); }
    box.dataset.gridsLoaded = String(layers[0].features.length);
    box.dataset.ticketsLoaded = String(layers[1].features.length);
    if (status) { status.hidden = true; }
  }).catch(function (error) {
    box.dataset.mapError = String(error.message || error);
    if (status) { status.textContent = data.labelFailed; }
  });
}());
