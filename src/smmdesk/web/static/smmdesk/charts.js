/* Draws every <canvas data-chart="id" data-source="island-id"> with Chart.js (vendored in
   vendor/chartjs/) from the JSON data island the server put beside it (json_script):
   {"type": "line"|"bar", "labels": [...], "series": [{"label", "values", "unit"}]}.
   A missing figure is null and stays a gap in the line, never a 0. No inline script or
   style: the page's Content-Security-Policy allows neither. */
(function () {
  "use strict";

  var COLOURS = ["#4f46e5", "#0d9488", "#db2777", "#d97706", "#64748b"];

  function percentTick(unit) {
    return function (value) { return unit === "%" ? value + " %" : value; };
  }

  function options(spec) {
    var unit = spec.series.length ? spec.series[0].unit : "";
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { display: spec.series.length > 1 } },
      scales: {
        x: { ticks: { autoSkip: true, maxTicksLimit: 12, maxRotation: 0 } },
        y: {
          beginAtZero: spec.type === "bar",
          ticks: { callback: percentTick(unit), precision: unit === "count" ? 0 : undefined }
        }
      }
    };
  }

  function dataset(series, index, spec) {
    var colour = COLOURS[index % COLOURS.length];
    return {
      label: series.label,
      data: series.values,
      borderColor: colour,
      backgroundColor: spec.type === "bar" ? colour : colour + "33",
      borderWidth: 2,
      pointRadius: spec.labels.length > 60 ? 0 : 2,
      tension: 0.2,
      spanGaps: false
    };
  }

  function draw(canvas) {
    if (canvas.dataset.drawn || !window.Chart) { return; }
    var island = document.getElementById(canvas.dataset.source);
    if (!island) { return; }
    var spec = JSON.parse(island.textContent);
    var chart = new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) { return dataset(s, i, spec); })
      },
      options: options(spec)
    });
    canvas.dataset.drawn = String(chart.data.datasets.length);
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
}());
