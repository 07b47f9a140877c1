/* 触达 pages: variable chips insert "{{ name }}" where the cursor was; a picked chip (segment,
 * customer) counts as a change so the live preview refreshes; the sends-per-hour bar chart. */
(function () {
  "use strict";

  var lastField = null;
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el.matches && el.matches("textarea, input[type=text], input:not([type])")) lastField = el;
  });
  document.addEventListener("click", function (event) {
    var chip = event.target.closest("[data-insert]");
    if (!chip) return;
    event.preventDefault();
    var field = lastField || document.querySelector("form textarea, form input[type=text]");
    if (!field) return;
    var text = chip.dataset.insert;
    var start = field.selectionStart == null ? field.value.length : field.selectionStart;
    var end = field.selectionEnd == null ? start : field.selectionEnd;
    field.value = field.value.slice(0, start) + text + field.value.slice(end);
    field.focus();
    field.setSelectionRange(start + text.length, start + text.length);
  });

  // A picker adds or removes chips without a change event: tell the form, so htmx previews again.
  function watchPickers(root) {
    root.querySelectorAll("form[hx-post] [data-role=chips]").forEach(function (chips) {
      if (chips.dataset.watched) return;
      chips.dataset.watched = "1";
      new MutationObserver(function () {
        chips.closest("form").dispatchEvent(new Event("change", { bubbles: true }));
      }).observe(chips, { childList: true });
    });
  }

  function drawBars(el) {
    if (!window.echarts) return;
    var source = document.getElementById(el.dataset.source);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var keys = el.dataset.barChart.split(",");
    var old = echarts.getInstanceByDom(el);
    if (old) old.dispose();
    echarts.init(el).setOption({
      color: ["#c6d4f5", "#155bd4"],
      animation: false,
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      legend: { top: 0, data: keys.map(function (k) { return data.names[k]; }) },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: keys.map(function (k) { return { name: data.names[k], type: "bar", data: data[k] }; }),
    });
  }

  function init(root) {
    watchPickers(root);
    root.querySelectorAll("[data-bar-chart]").forEach(drawBars);
  }
  if (window.htmx) htmx.onLoad(init);
  else document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
