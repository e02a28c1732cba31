/* Mallops console: the few behaviours every page shares. No framework; server-rendered pages stay usable
   without it (a form with data-confirm then submits without asking, which is why the server still checks). */
(function () {
  "use strict";

  // Confirmation dialog: <form data-confirm="…"> or <button data-confirm="…"> asks before submitting.
  var dialog = document.getElementById("console-confirm");
  function ask(text, onOk) {
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(text)) onOk();
      return;
    }
    dialog.querySelector("[data-confirm-text]").textContent = text;
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue === "ok") onOk();
    };
    dialog.showModal();
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || null;
    var text = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (!text || form.dataset.confirmed === "1") return;
    event.preventDefault();
    ask(text, function () {
      form.dataset.confirmed = "1";
      if (submitter && submitter.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = submitter.name; hidden.value = submitter.value;
        form.appendChild(hidden);
      }
      form.submit();
    });
  }, true);
  // a link (or a button outside a form) with data-confirm
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-confirm]");
    if (!link) return;
    event.preventDefault();
    ask(link.getAttribute("data-confirm"), function () { window.location.href = link.href; });
  });

  // Toasts: close on click; success and info fade after a few seconds, errors and warnings stay.
  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-toast-close]");
    if (close) close.parentElement.remove();
  });
  document.querySelectorAll("[data-toast]").forEach(function (toast) {
    if (/error|warning/.test(toast.className)) return;
    setTimeout(function () { toast.classList.add("toast-hide"); }, 6000);
  });

  // Data table batch bar: a "select all" box and a live count of the selected rows.
  function refreshBatch(table) {
    var boxes = table.querySelectorAll("input[data-row-select]");
    var chosen = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
    var bar = table.querySelector("[data-batch-bar]");
    if (bar) {
      bar.hidden = chosen === 0;
      var count = bar.querySelector("[data-batch-count]");
      if (count) count.textContent = String(chosen);
    }
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    var table = target.closest && target.closest("[data-table]");
    if (!table) return;
    if (target.hasAttribute("data-select-all")) {
      table.querySelectorAll("input[data-row-select]").forEach(function (b) { b.checked = target.checked; });
    }
    if (target.hasAttribute("data-select-all") || target.hasAttribute("data-row-select")) refreshBatch(table);
  });

  // Older tables (not yet drawn by the data table component): scroll inside their own box on wide
  // screens, and name each cell after its column so that they read as cards on a phone.
  document.querySelectorAll("main table").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll(":scope > thead th"), function (th) {
      return th.textContent.trim();
    });
    if (heads.length) {
      table.querySelectorAll(":scope > tbody > tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (!cell.hasAttribute("data-label") && cell.getAttribute("colspan") === null) {
            cell.setAttribute("data-label", heads[i] || "");
          }
        });
      });
    }
    if (!table.closest(".table-wrap")) {
      var wrap = document.createElement("div");
      wrap.className = "table-wrap";
      table.parentNode.insertBefore(wrap, table);
      wrap.appendChild(table);
    }
  });

  // Charts ({% echart %}): the option is JSON in a <script type="application/json">; drawn once ECharts
  // (loaded with defer after this file) is there, and redrawn to size when the window changes.
  window.addEventListener("load", function () {
    if (!window.echarts) return;
    var charts = [];
    document.querySelectorAll("[data-echarts]").forEach(function (box) {
      var source = document.getElementById(box.getAttribute("data-echarts"));
      if (!source) return;
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption(JSON.parse(source.textContent));
      // drill-down: a data item with an "href" (a path on this site) opens it when clicked
      chart.on("click", function (p) {
        var href = p.data && p.data.href;
        if (typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/") window.location.href = href;
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });

  // Phones: the data table's filters start folded (unless a filter is in use).
  if (window.matchMedia && window.matchMedia("(max-width: 768px)").matches) {
    document.querySelectorAll("details.table-filters:not([data-filtered])").forEach(function (d) { d.open = false; });
  }

  // Close the phone menu after choosing an entry.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".sidebar a")) {
      var toggle = document.getElementById("console-nav");
      if (toggle) toggle.checked = false;
    }
  });
})();
