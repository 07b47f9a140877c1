/* The address form's region picker: choosing a province lists its cities, a city its districts.
   The lists come from the division tree (GB/T 2260 codes) the form's data-region-picker names; the
   server renders the lists of the current choice, so the form works before (or without) this file. */
(function () {
  "use strict";

  function fill(select, nodes, keep) {
    var placeholder = select.options[0];
    select.innerHTML = "";
    select.appendChild(placeholder);
    nodes.forEach(function (node) {
      var option = document.createElement("option");
      option.value = node[0];
      option.textContent = node[1];
      if (node[0] === keep) option.selected = true;
      select.appendChild(option);
    });
    if (!keep) select.value = "";
  }

  function init(form) {
    var province = form.querySelector("select[name=province_code]");
    var city = form.querySelector("select[name=city_code]");
    var district = form.querySelector("select[name=district_code]");
    fetch(form.dataset.regionPicker, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var tree = data.regions;
        function cities() {
          var found = tree.filter(function (p) { return p[0] === province.value; })[0];
          return found ? found[2] : [];
        }
        function districts() {
          var found = cities().filter(function (c) { return c[0] === city.value; })[0];
          return found ? found[2] : [];
        }
        function showDistricts(keep) {
          var nodes = districts();
          fill(district, nodes, keep);
          district.hidden = !!city.value && nodes.length === 0;
          district.required = nodes.length > 0;
        }
        province.addEventListener("change", function () {
          fill(city, cities(), "");
          showDistricts("");
        });
        city.addEventListener("change", function () { showDistricts(""); });
        district.required = districts().length > 0;
      })
      .catch(function () { /* the server-rendered lists stay */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-region-picker]").forEach(init);
  });
})();
