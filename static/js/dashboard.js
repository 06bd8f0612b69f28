// Draws each dashboard chart from the JSON next to its canvas (tables stay the reference).
(function () {
  "use strict";
  if (!window.Chart) { return; }
  const palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#ffc107", "#6c757d"];
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    const spec = JSON.parse(source.textContent);
    const stacked = spec.type === "stacked";
    const doughnut = spec.type === "doughnut";
    const datasets = spec.datasets.map((set, index) => {
      const color = palette[index % palette.length];
      const dataset = { label: set.label, data: set.data };
      if (doughnut) {
        dataset.backgroundColor = spec.labels.map((_, i) => palette[i % palette.length]);
      } else {
        dataset.backgroundColor = color;
        dataset.borderColor = color;
      }
      // On the monthly chart, percentages and hours are lines on their own axis.
      if (spec.type === "bar" && index > 0 && spec.datasets.length > 2) {
        dataset.type = "line";
        dataset.yAxisID = "y1";
      }
      return dataset;
    });
    const options = { responsive: true, maintainAspectRatio: false, animation: false,
                      plugins: { legend: { display: datasets.length > 1 || doughnut } } };
    if (!doughnut) {
      options.scales = { x: { stacked }, y: { stacked, beginAtZero: true } };
      if (datasets.some((d) => d.yAxisID === "y1")) {
        options.scales.y1 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } };
      }
    }
    new window.Chart(canvas, { type: doughnut ? "doughnut" : "bar", data: { labels: spec.labels, datasets }, options });
    canvas.dataset.drawn = "1";
  });
})();
