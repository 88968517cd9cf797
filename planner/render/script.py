"""The map's own JavaScript and CSS: legend, search, full screen, proposals.

Plain JavaScript on Leaflet's public API, written for this project (no third-party
plugin).  ``plannerReview(map, data, groups)`` is called once by
:class:`planner.render.elements.ReviewControls`: it adds the controls, fits the region
beside them, then has the layers drawn from ``data`` (``plannerDraw``,
:mod:`planner.render.draw`) into the folium layer groups ``groups``.  Every visible word
comes from ``data.labels`` (see :mod:`planner.core.i18n`).
"""

from __future__ import annotations

__all__ = ["REVIEW_CSS", "REVIEW_JS"]

REVIEW_CSS = """
.planner-box { background: #fff; padding: 6px 8px; border-radius: 5px;
  box-shadow: 0 1px 5px rgba(0,0,0,.4); font: 12px/1.4 system-ui, sans-serif; max-width: 300px; }
.planner-box h4 { margin: 0 0 4px; font-size: 13px; }
.planner-legend .row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.planner-legend .sym { width: 22px; height: 14px; flex: none; box-sizing: border-box; }
.planner-legend .problems { margin-top: 4px; border-top: 1px solid #ddd; padding-top: 4px; }
.planner-legend .bad { color: #b00020; font-weight: 600; }
.planner-search input { width: 210px; padding: 3px 5px; font-size: 12px; }
.planner-search ul { list-style: none; margin: 4px 0 0; padding: 0; max-height: 220px;
  overflow-y: auto; }
.planner-search li { padding: 2px 4px; cursor: pointer; }
.planner-search li:hover, .planner-search li.active { background: #e8f0fe; }
.planner-fs a { font-size: 16px; line-height: 30px; text-align: center; cursor: pointer; }
.planner-fs-on { position: fixed !important; inset: 0 !important; width: 100% !important;
  height: 100% !important; z-index: 10000; }
.planner-feedback summary { cursor: pointer; font-weight: 600; }
.planner-feedback label { display: block; margin-top: 4px; }
.planner-feedback select, .planner-feedback textarea { width: 100%; box-sizing: border-box; }
.planner-feedback button { margin-top: 4px; }
.planner-feedback ol { margin: 4px 0; padding-left: 18px; max-height: 120px; overflow-y: auto; }
.planner-tip table { border-collapse: collapse; }
.planner-tip td { padding: 0 6px 0 0; vertical-align: top; }
.planner-tip .bad { color: #b00020; font-weight: 600; }
.planner-members ol { margin: 2px 0 0; padding-left: 18px; max-height: 140px; overflow-y: auto; }
.leaflet-tooltip.planner-name { background: rgba(255,255,255,.8); border: 0; box-shadow: none;
  padding: 0 3px; font: 600 11px/1.2 system-ui, sans-serif; color: #111; }
.leaflet-tooltip.planner-name::before { display: none; }
@media print { .planner-search, .planner-feedback, .planner-fs { display: none; } }
"""

REVIEW_JS = r"""
function plannerReview(map, data, groups) {
  "use strict";
  var drawn = null;  // the layers, drawn once the view is fitted (see the end)
  var T = data.labels;
  var byId = {};
  data.clinics.forEach(function (c) { byId[c.id] = c; });
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function box(cls) {
    var div = el("div", "planner-box " + cls);
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  }
  function control(position, build) {
    var C = L.Control.extend({ options: { position: position }, onAdd: build });
    var c = new C();
    c.addTo(map);
    return c;
  }

  // Full screen: the Fullscreen API where there is one, a fixed-position class otherwise.
  control("topleft", function () {
    var bar = el("div", "leaflet-bar leaflet-control planner-fs");
    var a = el("a");
    a.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" style="vertical-align:middle">' +
      '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" ' +
      'stroke-width="2"/></svg>';
    a.href = "#";
    a.title = T.fullscreen;
    a.setAttribute("role", "button");
    var box = map.getContainer();
    function fsOn() {
      return document.fullscreenElement || box.classList.contains("planner-fs-on");
    }
    L.DomEvent.on(a, "click", function (ev) {
      L.DomEvent.preventDefault(ev);
      if (fsOn()) {
        if (document.fullscreenElement) { document.exitFullscreen(); }
        box.classList.remove("planner-fs-on");
      } else if (box.requestFullscreen) {
        box.requestFullscreen().catch(function () { box.classList.add("planner-fs-on"); });
      } else {
        box.classList.add("planner-fs-on");
      }
      setTimeout(function () {
        a.title = fsOn() ? T.exit_fullscreen : T.fullscreen;
        map.invalidateSize();
      }, 200);
    });
    L.DomEvent.disableClickPropagation(bar);
    bar.appendChild(a);
    return bar;
  });

  // Proposal panel.
  var proposals = [];
  var storeKey = "planner-proposals:" + data.plan_key;
  try { proposals = JSON.parse(window.localStorage.getItem(storeKey) || "[]"); } catch (e) {
    proposals = [];
  }
  var current = null;
  var panel = {};
  control("bottomleft", function () {
    var div = box("planner-feedback");
    var det = el("details");
    var sum = el("summary");
    det.appendChild(sum);
    panel.pickText = el("div", "", T.feedback_pick);
    panel.select = el("select");
    panel.comment = el("textarea");
    panel.comment.rows = 2;
    var add = el("button", "", T.feedback_add);
    add.type = "button";
    panel.list = el("ol");
    var down = el("button", "", T.feedback_download);
    down.type = "button";
    var l1 = el("label", "", T.feedback_move_to);
    l1.appendChild(panel.select);
    var l2 = el("label", "", T.feedback_comment);
    l2.appendChild(panel.comment);
    [panel.pickText, l1, l2, add, panel.list, down].forEach(function (x) { det.appendChild(x); });
    div.appendChild(det);
    panel.details = det;
    panel.summary = sum;
    L.DomEvent.on(add, "click", addProposal);
    L.DomEvent.on(down, "click", download);
    return div;
  });

  function save() {
    try {
      window.localStorage.setItem(storeKey, JSON.stringify(proposals));
    } catch (e) { /* private mode: proposals live as long as the page */ }
  }
  function refresh() {
    panel.summary.textContent =
      T.feedback_title + " (" + proposals.length + " " +
      (proposals.length === 1 ? T.feedback_count_one : T.feedback_count) + ")";
    panel.list.textContent = "";
    proposals.forEach(function (p, i) {
      var c = byId[p.clinic_id];
      var li = el("li", "", (c ? c.name : p.clinic_id) + " \u2192 " + p.proposed_cluster + " ");
      var rm = el("a", "", "[" + T.feedback_remove + "]");
      rm.href = "#";
      L.DomEvent.on(rm, "click", function (ev) {
        L.DomEvent.preventDefault(ev);
        proposals.splice(i, 1);
        save();
        refresh();
      });
      li.appendChild(rm);
      panel.list.appendChild(li);
    });
  }
  // A clinic's cluster is c.k and the clusters it may be proposed for c.o (see layers.py).
  function options(c) { return c.o || []; }
  function pick(c) {
    current = c;
    panel.details.open = true;
    panel.pickText.textContent = c.name + " (" + c.id + "), " + T.cluster.toLowerCase() + " " +
      (c.k || T.none);
    panel.select.textContent = "";
    options(c).forEach(function (o) {
      var opt = el("option", "", o);
      opt.value = o;
      panel.select.appendChild(opt);
    });
    panel.select.disabled = options(c).length === 0;
    if (!options(c).length) {
      panel.pickText.textContent += ". " + (c.k ? T.feedback_no_neighbour : T.feedback_alone);
    }
  }
  function addProposal() {
    if (!current || !panel.select.value) { return; }
    proposals = proposals.filter(function (p) { return p.clinic_id !== current.id; });
    proposals.push({ clinic_id: current.id, proposed_cluster: panel.select.value,
      comment: panel.comment.value.trim() });
    panel.comment.value = "";
    save();
    refresh();
  }
  function cell(v, guard) {
    v = String(v === null || v === undefined ? "" : v);
    if (guard && /^[=+\-@\t\r]/.test(v)) { v = "'" + v; }
    if (/[",\r\n]/.test(v)) { v = '"' + v.replace(/"/g, '""') + '"'; }
    return v;
  }
  function csvText() {
    var lines = ["clinic_id,proposed_cluster,comment"];
    proposals.forEach(function (p) {
      lines.push([cell(p.clinic_id), cell(p.proposed_cluster), cell(p.comment, true)].join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }
  function download() {
    var blob = new Blob([csvText()], { type: "text/csv;charset=utf-8" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "proposals.csv";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  // The selected clinic's cluster is outlined until another is selected.
  function highlight(clusterId) {
    var shown = drawn.outline(clusterId);
    document.documentElement.setAttribute("data-planner-outlined", shown ? clusterId : "");
  }
  function go(c) {
    var m = drawn.markers[c.id];
    if (!m) { return; }
    moved = true;  // a later resize keeps the clinic in view, not the whole region
    map.fire("plannerhold");
    map.setView(m.getLatLng(), Math.max(map.getZoom(), 12), { animate: false });
    highlight(c.k);
    drawn.openClinic(c);
    pick(c);
  }
  // A link ending in #CLINIC_ID opens that clinic (a planner can mail each practice its own).
  function fromHash() {
    var id = "";
    try { id = decodeURIComponent(window.location.hash.slice(1)); } catch (e) { id = ""; }
    if (id && byId[id]) { go(byId[id]); }
  }
  window.addEventListener("hashchange", fromHash);
  // An open popup hides the hover tooltips beneath it.
  map.on("popupopen", function () {
    map.eachLayer(function (l) { if (l.closeTooltip) { l.closeTooltip(); } });
  });

  // Search by clinic name or id.
  var searchInput, searchList;
  control("topleft", function () {
    var div = box("planner-search");
    var input = el("input");
    input.type = "search";
    input.placeholder = T.search_placeholder;
    input.setAttribute("aria-label", T.search_placeholder);
    var list = el("ul");
    searchInput = input;
    searchList = list;
    div.appendChild(input);
    div.appendChild(list);
    var hits = [];
    function norm(s) { return String(s).toLowerCase(); }
    function show() {
      var q = norm(input.value.trim());
      list.textContent = "";
      hits = [];
      if (!q) { return; }
      hits = data.clinics.filter(function (c) {
        return norm(c.id).indexOf(q) >= 0 || norm(c.name).indexOf(q) >= 0;
      }).slice(0, 10);
      if (!hits.length) { list.appendChild(el("li", "", T.search_none)); }
      hits.forEach(function (c) {
        var li = el("li", "", c.name + " (" + c.id + ")");
        L.DomEvent.on(li, "click", function (ev) {
          // Stop the click here and empty the list only after it: a click whose target
          // was removed reaches the map as a click on the map, which closes the popup.
          L.DomEvent.stop(ev);
          go(c);
          setTimeout(function () { list.textContent = ""; }, 0);
        });
        list.appendChild(li);
      });
    }
    L.DomEvent.on(input, "input", show);
    L.DomEvent.on(input, "keydown", function (ev) {
      if (ev.key === "Enter" && hits.length) { go(hits[0]); list.textContent = ""; }
      if (ev.key === "Escape") { input.value = ""; list.textContent = ""; }
    });
    return div;
  });

  // Legend with the problems found.
  control("bottomright", function () {
    var div = box("planner-legend");
    div.appendChild(el("h4", "", data.legend.title));
    data.legend.items.forEach(function (it) {
      var row = el("div", "row");
      var sym = el("span", "sym");
      sym.style.cssText = it.css;
      row.appendChild(sym);
      row.appendChild(el("span", "", it.text));
      div.appendChild(row);
    });
    var probs = el("div", "problems");
    data.legend.problems.forEach(function (p) {
      probs.appendChild(el("div", p.bad ? "bad" : "", p.text));
    });
    div.appendChild(probs);
    return div;
  });

  // The same steps a reviewer takes, for scripted checks (tests drive the page with these).
  window.plannerReviewApi = {
    select: function (id) {
      if (byId[id]) { go(byId[id]); }
      return current ? options(current) : [];
    },
    propose: function (cluster, comment) {
      panel.select.value = cluster;
      panel.comment.value = comment || "";
      addProposal();
      return proposals.length;
    },
    search: function (q) {
      searchInput.value = q;
      searchInput.dispatchEvent(new Event("input"));
      return searchList.textContent;
    },
    csv: csvText,
    contents: function () { return drawn.contents(); },
    clear: function () { proposals = []; save(); refresh(); }
  };

  // Cluster names on the map, where a cluster is big enough on screen to carry one.
  // A name is text (a DOM node): Leaflet would read a string content as HTML.
  var names = L.layerGroup();
  var named = (data.clusters || []).filter(function (k) { return k.at && k.bounds; });
  named.forEach(function (k) {
    k.tip = L.tooltip({ permanent: true, direction: "center", className: "planner-name",
                        interactive: false })
      .setLatLng(k.at).setContent(document.createTextNode(k.id));
    k.box = L.latLngBounds(k.bounds);
  });
  function showNames() {
    names.clearLayers();
    named.forEach(function (k) {
      var a = map.latLngToContainerPoint(k.box.getSouthWest());
      var b = map.latLngToContainerPoint(k.box.getNorthEast());
      if (Math.abs(b.x - a.x) >= 36 && Math.abs(a.y - b.y) >= 18) { names.addLayer(k.tip); }
    });
  }
  names.addTo(map);
  map.on("zoomend", showNames);

  // Fit the region beside the controls, not under them (the legend covered islands).
  function fitPadded() {
    if (!data.bounds) { return; }
    var box = map.getContainer();
    function widest(sel) {
      var w = 0;
      box.querySelectorAll(sel + " .leaflet-control:not(.leaflet-control-attribution)")
        .forEach(function (c) {
        w = Math.max(w, c.offsetWidth);
      });
      return w;
    }
    // The search box (top left) and the legend (bottom right) are the wide ones.
    var left = widest(".leaflet-top.leaflet-left");
    var right = widest(".leaflet-bottom.leaflet-right");
    var room = box.clientWidth - left - right;
    if (room < 0.4 * box.clientWidth) { left = right = 12; }  // a narrow window: use it all
    map.fitBounds(data.bounds, { paddingTopLeft: [left + 8, 12],
                                 paddingBottomRight: [right + 8, 12], animate: false });
    document.documentElement.setAttribute("data-planner-fit",
      JSON.stringify({ left: left + 8, right: right + 8 }));
  }
  var moved = false;
  ["pointerdown", "wheel", "keydown", "touchstart"].forEach(function (kind) {
    map.getContainer().addEventListener(kind, function () { moved = true; });
  });
  map.on("resize", function () { if (!moved) { fitPadded(); } });
  fitPadded();
  // Drawn at the fitted view: every shape is placed once, not again after the fit.
  drawn = plannerDraw(map, data, groups);
  // A click on a clinic opens its popup and picks it for a proposal.  Registered after
  // the layer's tooltip (which a click opens too), so that the popup, opening last,
  // closes the tooltip beneath it.
  groups.clinics.on("click", function (ev) {
    L.DomEvent.stop(ev);
    var c = ev.layer.planner;
    drawn.openClinic(c);
    pick(c);
  });
  showNames();
  fromHash();

  refresh();
  document.documentElement.setAttribute("data-planner-ready", String(data.clinics.length));
}
"""
