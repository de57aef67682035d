"use strict";
(function () {
  var body = document.querySelector("#grid tbody");
  var rows = Array.prototype.slice.call(body.querySelectorAll("tr.run"));
  var labelFilters = Array.prototype.slice.call(document.querySelectorAll("select.label-filter"));
  var statusFilter = document.getElementById("filter-status");
  var statusRank = { fail: 0, error: 1, incomplete: 2, "pass-with-waivers": 3, pass: 4 };

  function visible(row) {
    for (var i = 0; i < labelFilters.length; i++) {
      var wanted = labelFilters[i].value;
      if (wanted !== "" && row.getAttribute("data-label-" + labelFilters[i].getAttribute("data-index")) !== wanted) {
        return false;
      }
    }
    return statusFilter.value === "" || row.getAttribute("data-status") === statusFilter.value;
  }

  function apply() {
    var shown = 0;
    var totals = document.querySelectorAll("tfoot td.total");
    var counts = [];
    for (var c = 0; c < totals.length; c++) { counts.push(0); }
    rows.forEach(function (row) {
      var show = visible(row);
      row.hidden = !show;
      if (!show) { return; }
      shown += 1;
      row.querySelectorAll("td.cell").forEach(function (cell, index) {
        if (cell.getAttribute("data-verdict") === "fail") { counts[index] += 1; }
      });
    });
    for (var t = 0; t < totals.length; t++) { totals[t].textContent = String(counts[t]); }
    document.getElementById("shown").textContent = shown + " / " + rows.length + " 件を表示";
    document.getElementById("filter-empty").hidden = shown !== 0;
  }

  function order(key) {
    var sorted = rows.slice().sort(function (a, b) {
      var difference = key(a) - key(b);
      return difference !== 0 ? difference : Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order"));
    });
    sorted.forEach(function (row) { body.appendChild(row); });
  }

  function mark(button) {
    document.querySelectorAll("button.sort.active").forEach(function (b) { b.classList.remove("active"); });
    if (button) { button.classList.add("active"); }
  }

  document.querySelectorAll("button.sort").forEach(function (button) {
    button.addEventListener("click", function () {
      var column = Number(button.getAttribute("data-column"));
      order(function (row) { return Number(row.querySelectorAll("td.cell")[column].getAttribute("data-rank")); });
      mark(button);
    });
  });
  document.getElementById("sort-status").addEventListener("click", function () {
    order(function (row) { var rank = statusRank[row.getAttribute("data-status")]; return rank === undefined ? 5 : rank; });
    mark(null);
  });
  document.getElementById("sort-reset").addEventListener("click", function () {
    order(function () { return 0; });
    mark(null);
  });
  labelFilters.concat([statusFilter]).forEach(function (select) { select.addEventListener("change", apply); });
  apply();
})();
