/* Sortable columns and a filter box that narrows as you type. No dependencies, and nothing from
   the documents is ever parsed as HTML: the script reads textContent and data attributes only. */
(function () {
  "use strict";

  function sortKey(cell, type) {
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    if (type === "number") {
      var n = parseFloat(raw);
      return isNaN(n) ? null : n;
    }
    raw = raw.trim().toLowerCase();
    return raw === "" ? null : raw;
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
    Array.prototype.forEach.call(headers, function (th, index) {
      if (!th.hasAttribute("data-type")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () {
        var type = th.getAttribute("data-type");
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
          return { row: row, key: sortKey(row.cells[index], type), i: i };
        });
        rows.sort(function (a, b) {
          // Empty values go last whichever the direction; ties keep their previous order.
          if (a.key === null || b.key === null) {
            return a.key === b.key ? a.i - b.i : (a.key === null ? 1 : -1);
          }
          var c = type === "number" ? a.key - b.key : collator.compare(a.key, b.key);
          return (ascending ? c : -c) || a.i - b.i;
        });
        var fragment = document.createDocumentFragment();
        rows.forEach(function (r) { fragment.appendChild(r.row); });
        body.appendChild(fragment);
      });
    });
  }

  function makeFilter(input) {
    var table = document.getElementById(input.getAttribute("data-filter-for"));
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (row) { return row.textContent.toLowerCase().replace(/\s+/g, " "); });
    var count = document.getElementById("filter-count");
    var empty = document.querySelector(".empty-filter");
    function apply() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, i) {
        var match = terms.every(function (t) { return texts[i].indexOf(t) !== -1; });
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      if (count) { count.textContent = terms.length ? shown + " of " + rows.length + " shown" : rows.length + " documents"; }
      if (empty) { empty.hidden = shown !== 0; }
    }
    input.addEventListener("input", apply);
    input.closest(".filter").hidden = false;  // shown only when the script runs
    apply();
  }

  document.querySelectorAll("table[data-sortable]").forEach(makeSortable);
  document.querySelectorAll("input[data-filter-for]").forEach(makeFilter);
})();
