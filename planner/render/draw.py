"""The script that draws the map's layers from its one compact payload.

Plain JavaScript on Leaflet's public API.  ``plannerDraw(map, data, groups)`` is called by
``plannerReview`` (:mod:`planner.render.script`): it decodes the territories
(:func:`planner.render.shapes.encode`), draws every cluster, clinic, link, problem and move
into the folium layer groups named in ``groups`` (so the layer control switches them), and
builds a tooltip or popup only when it opens, as DOM nodes whose every text from the data
is set with ``textContent`` (never parsed as HTML).  The payload's keys are described in
:mod:`planner.render.layers`.
"""

from __future__ import annotations

__all__ = ["DRAW_JS"]

DRAW_JS = r"""
function plannerDecode(polygons, scale) {
  "use strict";
  return polygons.map(function (rings) {
    return rings.map(function (flat) {
      var out = new Array(flat.length / 2), lat = 0, lon = 0;
      for (var i = 0; i < flat.length; i += 2) {
        lat += flat[i];
        lon += flat[i + 1];
        out[i / 2] = [lat / scale, lon / scale];
      }
      return out;
    });
  });
}

function plannerDraw(map, data, groups) {
  "use strict";
  var T = data.labels, F = data.fmt, S = data.style, P = data.palette;
  var clusters = data.clusters, clinics = data.clinics;
  var clusterById = {}, members = {};
  clusters.forEach(function (k) { clusterById[k.id] = k; members[k.id] = []; });
  clinics.forEach(function (c) {
    if (c.k !== undefined && members[c.k]) { members[c.k].push(c); }
  });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function fmtInt(v) { return String(v).replace(/\B(?=(\d{3})+(?!\d))/g, F.t); }
  function fmtNum(v) {
    var parts = Math.abs(v).toFixed(1).split(".");
    return (v < 0 ? "-" : "") + fmtInt(parts[0]) + F.d + parts[1];
  }
  function status(code) { return data.status[code] !== undefined ? data.status[code] : code; }
  // A tip: a bold head, then rows [label, value, bad?] as a table.
  function tip(head, rows, after) {
    var div = el("div", "planner-tip");
    head.forEach(function (n) {
      div.appendChild(typeof n === "string" ? document.createTextNode(n) : n);
    });
    var table = el("table");
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("td", "", r[0]));
      tr.appendChild(el("td", r[2] ? "bad" : "", r[1]));
      table.appendChild(tr);
    });
    div.appendChild(table);
    (after || []).forEach(function (n) { div.appendChild(n); });
    return div;
  }
  function text(t) { return el("span", "", t); }

  function clusterHead(k) { return [el("b", "", k.t)]; }
  function gpRow(x) { return x.d === undefined ? [] : [[T.gps, fmtInt(x.d)]]; }
  function clusterTip(k) {
    return tip(clusterHead(k), [
      [T.patients, fmtInt(k.p)]].concat(gpRow(k), [[T.clinics, fmtInt(k.n)],
      [T.status, status(k.s), k.s !== "ok"]
    ]));
  }
  function clusterPopup(k) {
    var rows = [[T.patients, fmtInt(k.p)]].concat(gpRow(k), [[T.clinics, fmtInt(k.n)]]);
    if (k.mu) { rows.push([T.municipalities, k.mu]); }
    if (k.b !== undefined) {  // a funding rule (none in England's profile: no money shown)
      rows.push([T.budget, fmtInt(k.b) + " " + data.money]);
      if (k.su !== undefined) { rows.push([T.startup, fmtInt(k.su) + " " + data.money]); }
    }
    rows.push([T.meeting_clinic, k.mc]);
    if (k.co) { rows.push([T.coordinator, k.co]); }
    rows.push([T.farthest, fmtNum(k.f) + " " + T.km], [T.status, status(k.s), k.s !== "ok"]);
    if (k.no) { rows.push([T.note, k.no]); }
    if (k.x) { rows.push([T.crossings, k.x, true]); }
    var after = [];
    if (members[k.id].length) {
      var box = el("div", "planner-members");
      box.appendChild(el("b", "", T.members));
      var list = el("ol");
      members[k.id].forEach(function (c) {
        list.appendChild(el("li", "", c.name + " (" + c.id + ")"));
      });
      box.appendChild(list);
      after.push(box);
    }
    return tip(clusterHead(k), rows, after);
  }
  function clinicTip(c) {
    var rows = [[T.patients, fmtInt(c.p)]].concat(gpRow(c), [[T.cluster, c.k || T.none]]);
    if (c.s) { rows.push([T.status, status(c.s), true]); }
    return tip([el("b", "", c.name), " (" + c.id + ")"], rows);
  }
  function clinicPopup(c) {
    var rows = [[T.clinic_id, c.id], [T.patients, fmtInt(c.p)]].concat(gpRow(c));
    if (c.mu) { rows.push([T.municipality, c.mu]); }
    if (c.rg) { rows.push([T.region, c.rg]); }
    rows.push([T.proposed_cluster, c.k || T.none]);
    if (c.cu !== undefined && c.cu !== null) { rows.push([T.current_cluster, c.cu, !!c.mv]); }
    rows.push([T.status, status(c.s || "clustered"), !!c.s]);
    if (c.s) { rows.push([T.reason, c.w || ""]); }
    var hint = el("div");
    hint.appendChild(el("i", "", T.feedback_propose + " \u2199"));
    return tip([el("b", "", c.name)], rows, [hint]);
  }
  function problemTip(k) {
    var div = el("div");
    div.appendChild(el("b", "", k.t));
    if (k.s !== "ok") {
      div.appendChild(el("br"));
      div.appendChild(text(T.status + ": " + status(k.s)));
    }
    if (k.x) {
      div.appendChild(el("br"));
      div.appendChild(text(T.crossings + ": " + k.x));
    }
    return div;
  }
  function currentTip(k) { return el("b", "", T.current_cluster + " " + k.id); }

  function shape(rec) {
    if (!rec.ll) { rec.ll = plannerDecode(rec.g || [], data.scale); }
    return rec.ll;
  }
  function stopAnd(fn) {
    return function (e) { L.DomEvent.stop(e); fn(e.layer, e); };
  }
  var popupOptions = { maxWidth: 360 };

  // The current clusters (when plans are compared): dashed outlines, below the proposal.
  (data.current || []).forEach(function (k) {
    if (!k.g.length || !groups.current) { return; }
    var layer = L.polygon(shape(k), { color: P[k.c], fillColor: P[k.c], weight: 3,
      dashArray: "6 4", fillOpacity: 0 });
    layer.planner = k;
    groups.current.addLayer(layer);
  });
  if (groups.current) {
    groups.current.bindTooltip(function (l) { return currentTip(l.planner); }, { sticky: true });
  }

  // The proposed clusters' territories.
  var territories = {};
  clusters.forEach(function (k) {
    if (!k.g || !k.g.length) { return; }
    var base = { fillColor: P[k.c], color: "#333333", weight: 1, fillOpacity: S.fill };
    var layer = L.polygon(shape(k), base);
    layer.planner = k;
    layer.plannerNormal = base;
    layer.plannerBase = base;
    groups.territories.addLayer(layer);
    territories[k.id] = layer;
  });
  var land = groups.territories;
  land.bindTooltip(function (l) { return clusterTip(l.planner); }, { sticky: true });
  // Hovering a territory thickens its border (an outlined one keeps its own).
  land.on("mouseover", function (e) {
    e.layer.setStyle({ weight: Math.max(3, e.layer.plannerBase.weight) });
  });
  land.on("mouseout", function (e) { e.layer.setStyle({ weight: e.layer.plannerBase.weight }); });
  // (Registered after the tooltip, which a click opens too: the popup, opening last,
  // closes it.)
  function openCluster(l, e) { map.openPopup(clusterPopup(l.planner), e.latlng, popupOptions); }
  land.on("click", stopAnd(openCluster));

  // Links across water (or gaps).
  (data.links || []).forEach(function (k) {
    if (!groups.links) { return; }
    var line = L.polyline(k.line, { color: S.link, weight: 2, dashArray: "6 6" });
    line.planner = k;
    groups.links.addLayer(line);
  });
  if (groups.links) {
    groups.links.bindTooltip(function (l) { return text(l.planner.t); }, { sticky: true });
  }

  // Problems: outlines of clusters breaking a rule or crossing a boundary, rings round
  // the clinics left out.
  if (groups.problems) {
    clusters.forEach(function (k) {
      if (!k.pr || !k.g.length) { return; }
      var style = k.pr === "bad" ? { color: S.problem, weight: 4, fill: false } :
        { color: S.crossing, weight: 3, dashArray: "8 5", fill: false };
      var layer = L.polygon(shape(k), style);
      layer.planner = k;
      groups.problems.addLayer(layer);
    });
    clinics.forEach(function (c) {
      if (!c.s) { return; }
      groups.problems.addLayer(L.circleMarker(c.at, { radius: 16, color: S.problem, weight: 3,
        fill: false, dashArray: "4 3", interactive: false }));
    });
    groups.problems.bindTooltip(function (l) { return problemTip(l.planner); }, { sticky: true });
    // An outline lies over its territory: a click inside it opens the cluster's popup.
    groups.problems.on("click", stopAnd(openCluster));
  }

  // The clinics: one circle each, coloured by cluster, sized by patients.
  var markers = {};
  clinics.forEach(function (c) {
    var k = c.k !== undefined ? clusterById[c.k] : null;
    var m = L.circleMarker(c.at, {
      radius: c.r, color: c.s ? "#ff0000" : "#ffffff", weight: c.s ? 3 : 1, fill: true,
      fillColor: c.s ? S.left_out : (k ? P[k.c] : "#444444"), fillOpacity: 0.9
    });
    m.planner = c;
    groups.clinics.addLayer(m);
    markers[c.id] = m;
  });
  groups.clinics.bindTooltip(function (l) { return clinicTip(l.planner); }, { sticky: true });
  function openClinic(c) {
    var m = markers[c.id];
    if (m) { map.openPopup(clinicPopup(c), m.getLatLng(), popupOptions); }
  }

  // Clinics that move between the current plan and this one.
  (data.moves || []).forEach(function (mv) {
    var c = clinics[mv[0]];
    if (!groups.moves || !c) { return; }
    var ring = L.circleMarker(c.at, { radius: c.r + 4, color: S.move, weight: 3, fill: false });
    ring.planner = mv[1];
    ring.plannerClinic = c.id;
    groups.moves.addLayer(ring);
  });
  if (groups.moves) {
    groups.moves.bindTooltip(function (l) { return text(l.planner); }, { sticky: true });
    // A ring lies over its clinic: a click on it is a click on the clinic.
    groups.moves.on("click", function (e) {
      var m = markers[e.layer.plannerClinic];
      if (m) { m.fire("click", { latlng: e.latlng, originalEvent: e.originalEvent }, true); }
    });
  }

  // One canvas draws every layer in the order added: keep the clinics above the
  // territories when a layer is switched on again or a cluster is outlined.
  var lit = null;
  function restack() {
    [groups.territories, lit, groups.current, groups.links, groups.problems, groups.clinics,
     groups.moves].forEach(function (g) {
      if (g && map.hasLayer(g)) { g.bringToFront(); }
    });
  }
  map.on("overlayadd", restack);
  // The selected clinic's cluster is outlined until another is selected.
  function outline(clusterId) {
    if (lit) {
      lit.plannerBase = lit.plannerNormal;
      lit.setStyle(lit.plannerBase);
      lit = null;
    }
    var layer = clusterId ? territories[clusterId] : null;
    if (layer) {
      layer.plannerBase = L.extend({}, layer.plannerNormal, { weight: 4, color: "#000000" });
      layer.setStyle(layer.plannerBase);
      lit = layer;
      restack();
    }
    return !!layer;
  }

  // Every tooltip's and popup's content as HTML, {kind, id, html}: for scripted checks
  // of what the page shows (the tests compare it, and put it through innerHTML).
  function contents() {
    var out = [];
    function add(kind, id, node) { out.push({ kind: kind, id: id, html: node.outerHTML }); }
    clusters.forEach(function (k) {
      add("cluster_tip", k.id, clusterTip(k));
      add("cluster_popup", k.id, clusterPopup(k));
      if (k.pr) { add("problem_tip", k.id, problemTip(k)); }
    });
    clinics.forEach(function (c) {
      add("clinic_tip", c.id, clinicTip(c));
      add("clinic_popup", c.id, clinicPopup(c));
    });
    (data.current || []).forEach(function (k) { add("current_tip", k.id, currentTip(k)); });
    (data.links || []).forEach(function (k, i) { add("link_tip", String(i), text(k.t)); });
    (data.moves || []).forEach(function (mv) { add("move_tip", clinics[mv[0]].id, text(mv[1])); });
    return out;
  }

  return { markers: markers, territories: territories, openClinic: openClinic,
           outline: outline, contents: contents };
}
"""
