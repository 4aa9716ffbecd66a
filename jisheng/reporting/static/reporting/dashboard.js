// Dashboard charts: data comes from the json_script block "dashboard-data" (no inline script, CSP).
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var labels = data.labels;
    var normal = data.normal;

    // A null is a month or area without data: ECharts leaves it empty (no bar, a gap in the line),
    // never a 0 that would read as "no births".
    function combined(element, categories, births, ratio, reported) {
      if (!element) { return; }
      var chart = echarts.init(element);
      var legend = [labels.births, labels.sex_ratio];
      var extra = [];
      if (reported) {
        legend.push(labels.reported_births);
        extra.push({ name: labels.reported_births, type: "line", data: reported, connectNulls: false, symbolSize: 8 });
      }
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: legend },
        grid: { left: 48, right: 48, top: 48, bottom: 72 },
        xAxis: { type: "category", data: categories, axisLabel: { rotate: categories.length > 8 ? 45 : 0 } },
        yAxis: [{ type: "value", name: labels.births }, { type: "value", name: labels.sex_ratio, scale: true }],
        series: [
          { name: labels.births, type: "bar", data: births },
          {
            name: labels.sex_ratio, type: "line", yAxisIndex: 1, data: ratio, connectNulls: false,
            markArea: { silent: true, itemStyle: { color: "rgba(26,127,55,0.08)" },
              data: [[{ name: labels.normal, yAxis: normal[0] }, { yAxis: normal[1] }]] }
          }
        ].concat(extra)
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }

    combined(document.getElementById("trend-chart"), data.trend.periods, data.trend.births, data.trend.sex_ratio,
      data.trend.reported_births);
    combined(document.getElementById("area-chart"), data.areas.names, data.areas.births, data.areas.sex_ratio);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
