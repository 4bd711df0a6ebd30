/* Draw each dashboard chart from the table beside it (the table is the source; the chart only shows it).
   A <canvas data-chart-for="TABLE-ID"> takes its labels from the rows' <th scope="row"> and one series per
   column header marked data-series, reading each cell's data-value. Loaded after the vendored Chart.js;
   the Print button is print.js's. */
(function () {
  "use strict";
  var COLOURS = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#d63384",
                 "#0dcaf0", "#ffc107"];

  function series(table) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var labels = rows.map(function (row) { return row.cells[0].textContent.trim(); });
    var datasets = [];
    headers.forEach(function (th, index) {
      if (!th.hasAttribute("data-series")) { return; }
      datasets.push({
        label: th.textContent.trim(),
        backgroundColor: COLOURS[datasets.length % COLOURS.length],
        borderColor: COLOURS[datasets.length % COLOURS.length],
        data: rows.map(function (row) {
          var raw = row.cells[index].getAttribute("data-value");
          return raw === "" || raw === null ? null : Number(raw);
        })
      });
    });
    return { labels: labels, datasets: datasets };
  }

  function draw(canvas) {
    var table = document.getElementById(canvas.getAttribute("data-chart-for"));
    if (!table || typeof Chart === "undefined") { return; }
    var stacked = canvas.hasAttribute("data-stacked");
    new Chart(canvas, {
      type: canvas.getAttribute("data-chart-type") || "bar",
      data: series(table),
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart-for]").forEach(draw);
  // Charts redraw at the paper's width before printing, then back.
  window.addEventListener("beforeprint", function () {
    Object.values(Chart.instances || {}).forEach(function (chart) { chart.resize(); });
  });
})();
