/* Mallops 商城 behaviour events -> POST /api/v1/events (sendBeacon). Loaded only when the server found the
   buyer's analytics consent (the events API binds consent again on ingest). No third-party code. */
(function () {
  "use strict";
  var cfg = document.getElementById("shop-track");
  if (!cfg || !navigator.sendBeacon) return;
  var conf = JSON.parse(cfg.textContent);
  var queue = [];
  var started = Date.now();
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "sf-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function add(event, properties) {
    var props = { page: conf.page };
    for (var k in properties) props[k] = properties[k];
    queue.push({ uuid: uuid(), event: event, distinct_id: conf.distinct_id, timestamp: new Date().toISOString(), properties: props });
  }
  function flush() {
    if (!queue.length) return;
    var body = new Blob([JSON.stringify({ batch: queue.splice(0, queue.length) })], { type: "application/json" });
    navigator.sendBeacon(conf.endpoint, body);
  }
  var extra = conf.product ? { product: conf.product } : {};
  add("page_view", extra);
  window.addEventListener("load", function () {
    var nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    var load = nav ? Math.round(nav.loadEventStart || nav.domContentLoadedEventEnd) : Date.now() - started;
    add("page_timing", { load_ms: Math.max(0, Math.min(load, 600000)) });
    if (conf.step) add("checkout_step", { step: conf.step, step_index: conf.step_index });
    document.querySelectorAll("[data-impression]").forEach(function (el) {
      add("impression", { placement: el.getAttribute("data-impression"), product: el.getAttribute("data-product") || "" });
    });
    flush();
  });
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-impression]");
    if (el) { add("click", { placement: el.getAttribute("data-impression"), product: el.getAttribute("data-product") || "" }); flush(); }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.getAttribute("data-track") === "add_to_cart") {
      var sku = form.querySelector("input[name=sku]:checked");
      var qty = form.querySelector("input[name=qty]");
      add("add_to_cart", { product: conf.product, sku: sku ? sku.value : "", qty: qty ? Number(qty.value) : 1 });
    } else if (form.getAttribute("data-track") === "checkout_submit") {
      add("checkout_step", { step: "submit", step_index: 2 });
    }
    flush();
  });
  window.addEventListener("pagehide", function () { add("dwell", { dwell_ms: Date.now() - started }); flush(); });
})();
