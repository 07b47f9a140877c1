/* The console's few behaviours: ECharts trend lines, tick-all boxes, auto-submitting selects,
 * confirmations. Loaded after htmx (both deferred); htmx.onLoad runs for the page and for every
 * fragment htmx swaps in, so charts inside a swapped fragment are drawn too. */
(function () {
  "use strict";

  // A refused request (4xx) still carries a page fragment with the reason: swap it in, and do not
  // treat it as a script error.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "...", swap: false, error: true },
  ];

  var FORMATS = {
    yuan: function (fen) { return fen == null ? "—" : "¥" + (fen / 100).toLocaleString(undefined, { maximumFractionDigits: 2 }); },
    int: function (n) { return n == null ? "—" : Number(n).toLocaleString(); },
    percent: function (p) { return p == null ? "—" : p.toFixed(2) + "%"; },
  };
  var AXIS = {
    yuan: function (fen) { return "¥" + Math.round(fen / 100).toLocaleString(); },
    int: function (n) { return Number(n).toLocaleString(); },
    percent: function (p) { return p + "%"; },
  };
  var COLOURS = ["#155bd4", "#ff9900", "#2da641", "#d40000"];

  function drawChart(el) {
    if (!window.echarts) return;
    var source = document.getElementById(el.dataset.source);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var keys = el.dataset.chart.split(",");
    var format = FORMATS[el.dataset.format] || FORMATS.int;
    var old = echarts.getInstanceByDom(el);
    if (old) old.dispose();
    var chart = echarts.init(el);
    chart.setOption({
      color: COLOURS,
      animation: false,
      grid: { left: 56, right: 16, top: 36, bottom: 28 },
      legend: { top: 0, data: keys.map(function (k) { return data.names[k]; }) },
      tooltip: {
        trigger: "axis",
        valueFormatter: format,
      },
      xAxis: { type: "category", boundaryGap: false, data: data.labels.map(function (d) { return d.slice(5); }) },
      yAxis: { type: "value", axisLabel: { formatter: AXIS[el.dataset.format] || AXIS.int } },
      series: keys.map(function (k) {
        return { name: data.names[k], type: "line", smooth: true, showSymbol: false, connectNulls: false, data: data[k] };
      }),
    });
  }

  htmx.onLoad(function (root) {
    root.querySelectorAll("[data-chart]").forEach(drawChart);
  });

  window.addEventListener("resize", function () {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });

  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-check-all]");
    if (box) {
      var form = box.form || document;
      form.querySelectorAll('input[type=checkbox][name="' + box.dataset.checkAll + '"]').forEach(function (b) {
        b.checked = box.checked;
      });
    }
    var auto = event.target.closest("select[data-autosubmit]");
    if (auto) auto.form.submit();
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
