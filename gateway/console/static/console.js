// Returns Gateway console: sortable tables (click or Enter/Space on a column heading). No other behaviour.
"use strict";
(function () {
  function cellValue(row, index, kind) {
    var cell = row.cells[index];
    var text = cell ? (cell.getAttribute("data-value") || cell.textContent.trim()) : "";
    if (kind === "number") {
      var number = parseFloat(text.replace(/[^0-9.\-]/g, ""));
      return isNaN(number) ? -Infinity : number;
    }
    return text.toLowerCase();
  }
  function sortBy(table, header, index) {
    var kind = header.getAttribute("data-sort");
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return !r.classList.contains("empty"); });
    rows.sort(function (a, b) {
      var x = cellValue(a, index, kind), y = cellValue(b, index, kind);
      return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      if (!table.tHead || !table.tBodies.length) { return; }
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
        if (!header.hasAttribute("data-sort")) { return; }
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = header.textContent;
        button.setAttribute("aria-label", "Sort by " + header.textContent);
        header.textContent = "";
        header.appendChild(button);
        button.addEventListener("click", function () { sortBy(table, header, index); });
      });
    });
  });
})();
