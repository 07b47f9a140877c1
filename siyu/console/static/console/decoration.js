/* 店铺装修: after htmx saves a change to the draft, the phone preview reloads to show it; a section's
 * form shows only the fields its choices use (a grid's role, category or picks; a link's address). */
(function () {
  "use strict";
  var BY_SOURCE = { role: "role", category: "category_id", manual: "product_ids" };

  function sync(root) {
    root.querySelectorAll("form[data-testid=section-form]").forEach(function (form) {
      var source = form.querySelector("select[name=source]");
      if (source) {
        ["role", "category_id", "product_ids"].forEach(function (name) {
          var label = form.querySelector('[data-field="' + name + '"]');
          if (label) label.hidden = BY_SOURCE[source.value] !== name;
        });
      }
      form.querySelectorAll("select[name^=link]").forEach(function (select) {
        var label = form.querySelector('[data-field="' + select.name + '_path"]');
        if (label) label.hidden = select.value !== "path";
      });
    });
  }

  htmx.onLoad(sync);
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-testid=section-form]");
    if (form) sync(form.parentNode);
  });
  document.body.addEventListener("decorationSaved", function () {
    var frame = document.querySelector("iframe[data-preview]");
    if (frame) frame.src = frame.src;
  });
})();
