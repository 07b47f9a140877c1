/* Pickers ([data-picker], rendered by siyu/console/forms_pickers.py): search SKUs, products, customers
 * or segments in a dialog and pick them, instead of typing ids or codes.
 *
 * - Chips: each picked thing is a chip holding a hidden input with its id (the form submits ids).
 *   A single picker keeps one chip and closes on the pick; a multiple picker keeps the dialog open.
 * - Rows ([data-rows]): each row has a SKU cell and its values. Keyed rows are added by picking SKUs;
 *   other rows by "add a line", their SKU cell picked by its own "choose" button.
 * The dialog's search box and filter come from the server (GET <url>?open=1), results from
 * GET <url>?q=&category=&page= as HTML; the search boxes have no name, so the form never posts them.
 */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function fillSlots(node, data) {
    var title = node.querySelector("[data-slot=title]");
    var detail = node.querySelector("[data-slot=detail]");
    var meta = node.querySelector("[data-slot=meta]");
    var thumb = node.querySelector("[data-slot=thumb]");
    if (title) title.textContent = data.title || "";
    if (detail) detail.textContent = data.detail || "";
    if (meta) meta.textContent = data.meta || "";
    if (thumb) {
      thumb.textContent = "";
      if (data.thumb) {
        var img = document.createElement("img");
        img.src = data.thumb;
        img.alt = "";
        thumb.appendChild(img);
      } else {
        thumb.textContent = (data.title || "").slice(0, 1);
      }
    }
    node.classList.remove("missing");
  }

  function init(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    var dialog = root.querySelector("[data-role=dialog]");
    var panel = root.querySelector("[data-role=panel]");
    var url = root.dataset.url;
    var multiple = root.hasAttribute("data-multiple");
    var rowsMode = root.hasAttribute("data-rows");
    var loaded = false;
    var target = null; // the SKU cell a "choose" button opened the dialog for
    var page = 1;

    function pickedIds() {
      var selector = rowsMode ? "[data-role=sku-id]" : "input[type=hidden]";
      var list = rowsMode ? root.querySelector("[data-role=rows]") : root.querySelector("[data-role=chips]");
      return Array.prototype.map.call(list.querySelectorAll(selector), function (i) { return i.value; });
    }

    function markPicked() {
      var ids = pickedIds();
      panel.querySelectorAll("[data-pick]").forEach(function (b) {
        b.classList.toggle("picked", !target && ids.indexOf(b.dataset.id) >= 0);
      });
      var count = root.querySelector("[data-role=picked-count]");
      if (count) count.textContent = multiple && !target ? "✓ " + ids.filter(Boolean).length : "";
    }

    function query(extra) {
      var q = panel.querySelector("[data-role=q]");
      var cat = panel.querySelector("[data-role=category]");
      var params = new URLSearchParams(extra || {});
      if (q && q.value.trim()) params.set("q", q.value.trim());
      if (cat && cat.value) params.set("category", cat.value);
      return fetch(url + "?" + params.toString(), { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (r) { return r.text(); });
    }

    function search() {
      page = 1;
      query({}).then(function (html) {
        panel.querySelector("[data-role=results]").innerHTML = html;
        markPicked();
      });
    }

    function open(forCell) {
      target = forCell || null;
      if (!dialog.open) dialog.showModal();
      if (!loaded) {
        loaded = true;
        query({ open: "1" }).then(function (html) {
          panel.innerHTML = html;
          var q = panel.querySelector("[data-role=q]");
          q.addEventListener("input", debounce(search, 250));
          q.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); search(); } });
          var cat = panel.querySelector("[data-role=category]");
          if (cat) cat.addEventListener("change", search);
          markPicked();
          q.focus();
        });
      } else {
        markPicked();
        var q = panel.querySelector("[data-role=q]");
        if (q) q.focus();
      }
    }

    function addChip(data) {
      var chips = root.querySelector("[data-role=chips]");
      if (!multiple) chips.innerHTML = "";
      if (pickedIds().indexOf(data.id) >= 0) return;
      var chip = root.querySelector("template[data-role=chip]").content.firstElementChild.cloneNode(true);
      chip.dataset.id = data.id;
      chip.querySelector("input[type=hidden]").value = data.id;
      fillSlots(chip, data);
      chips.appendChild(chip);
    }

    function addRow() {
      var row = root.querySelector("template[data-role=row]").content.firstElementChild.cloneNode(true);
      root.querySelector("[data-role=rows]").appendChild(row);
      return row;
    }

    function fillCell(cell, data) {
      cell.querySelector("[data-role=sku-id]").value = data.id;
      fillSlots(cell, data);
    }

    function pick(button) {
      var data = {
        id: button.dataset.id,
        title: button.dataset.title,
        detail: button.dataset.detail,
        thumb: button.dataset.thumb,
        meta: button.dataset.meta,
      };
      if (target) {
        fillCell(target, data);
        target = null;
        dialog.close();
        return;
      }
      if (rowsMode) {
        if (pickedIds().indexOf(data.id) >= 0) return;
        var row = addRow();
        fillCell(row.querySelector("[data-sku-cell]"), data);
        var first = row.querySelector("input:not([type=hidden]), select");
        markPicked();
        if (first && !multiple) first.focus();
        return;
      }
      addChip(data);
      if (!multiple) dialog.close();
      else markPicked();
    }

    root.addEventListener("click", function (event) {
      var el = event.target.closest("button");
      if (!el || !root.contains(el)) return;
      var role = el.dataset.role;
      if (el.hasAttribute("data-pick")) pick(el);
      else if (role === "open") open(null);
      else if (role === "choose") open(el.closest("[data-sku-cell]"));
      else if (role === "done") { target = null; dialog.close(); }
      else if (role === "remove") el.closest(".pick-chip").remove();
      else if (role === "remove-row") el.closest("[data-row]").remove();
      else if (role === "add-row") addRow();
      else if (role === "more") {
        page = Number(el.dataset.page);
        var item = el.closest("li");
        query({ page: String(page) }).then(function (html) {
          item.insertAdjacentHTML("beforebegin", html);
          item.remove();
          markPicked();
        });
      }
    });
    // A click on the backdrop (outside the dialog's box) closes it.
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close();
    });
  }

  function initAll(scope) {
    (scope || document).querySelectorAll("[data-picker]").forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { initAll(); });
  else initAll();
  if (window.htmx) window.htmx.onLoad(initAll);
})();
