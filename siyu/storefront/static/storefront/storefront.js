/* Siyu H5 storefront: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Quantity steppers: − and + buttons around a number input.
  function initSteppers(root) {
    root.querySelectorAll(".stepper").forEach(function (stepper) {
      var input = stepper.querySelector("input");
      stepper.querySelectorAll("button[data-step]").forEach(function (button) {
        button.addEventListener("click", function () {
          var min = parseInt(input.min || "0", 10);
          var max = parseInt(input.max || "999", 10);
          var next = (parseInt(input.value, 10) || 0) + parseInt(button.dataset.step, 10);
          input.value = String(Math.max(min, Math.min(max, next)));
          input.dispatchEvent(new Event("change", { bubbles: true }));
        });
      });
    });
  }

  // The product page's SKU picker: price, crossed-out price and stock follow the chosen SKU.
  function initSkuPicker(form) {
    var price = document.querySelector("span[data-price]");
    var listPrice = document.querySelector("s[data-list-price]");
    var stock = form.querySelector("[data-stock]");
    var qty = form.querySelector("input[name=qty]");
    function update() {
      var chosen = form.querySelector("input[name=sku]:checked");
      if (!chosen) return;
      var available = parseInt(chosen.dataset.available, 10) || 0;
      if (price) price.textContent = chosen.dataset.price;
      if (listPrice) {
        listPrice.textContent = chosen.dataset.listPrice || "";
        listPrice.hidden = !chosen.dataset.listPrice;
      }
      if (stock) stock.textContent = String(available);
      if (qty) qty.max = String(Math.max(1, Math.min(999, available)));
      form.querySelectorAll("[data-needs-stock]").forEach(function (button) {
        button.disabled = available <= 0;
      });
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "sku") update();
    });
    update();
  }

  // Forms that re-submit themselves when a choice changes (cart rows, the checkout quote).
  function initAutosubmit(form) {
    var timer = null;
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.type === "text" || target.tagName === "TEXTAREA") return;
      clearTimeout(timer);
      timer = setTimeout(function () { form.requestSubmit ? form.requestSubmit() : form.submit(); }, 250);
    });
  }

  // The checkout note is typed on the quote form and sent with the order form.
  function initMirrors() {
    document.querySelectorAll("[data-mirror]").forEach(function (hidden) {
      var source = document.querySelector("#quote-form [name=" + hidden.dataset.mirror + "]");
      if (!source) return;
      source.addEventListener("input", function () { hidden.value = source.value; });
    });
  }

  // Forms that must be sent once (placing an order, paying): the button is disabled on submit.
  function initOnce(form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  }

  function initConfirm(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  // "Back" links go back in history when there is history inside this site.
  function initBack(link) {
    link.addEventListener("click", function (event) {
      if (document.referrer && document.referrer.indexOf(location.origin) === 0 && history.length > 1) {
        event.preventDefault();
        history.back();
      }
    });
  }

  // Countdowns: <span data-countdown="2025-01-01T12:00:00+08:00">1天 02:03:04</span> keeps ticking. The
  // page says how its language writes days (<body data-countdown-days="{n}天">), as the server did.
  function initCountdowns() {
    var nodes = document.querySelectorAll("[data-countdown]");
    if (!nodes.length) return;
    var daysFormat = document.body.dataset.countdownDays || "{n}d";
    function pad(n) { return n < 10 ? "0" + n : String(n); }
    function tick() {
      var now = Date.now();
      nodes.forEach(function (node) {
        var left = Math.max(0, Math.floor((Date.parse(node.dataset.countdown) - now) / 1000));
        var days = Math.floor(left / 86400);
        var text = pad(Math.floor(left % 86400 / 3600)) + ":" + pad(Math.floor(left % 3600 / 60)) + ":" + pad(left % 60);
        node.textContent = (days ? daysFormat.replace("{n}", String(days)) + " " : "") + text;
        if (left === 0) node.classList.add("ended");
      });
    }
    tick();
    setInterval(tick, 1000);
  }

  // Share sheet: copy the link, and tell the shop this customer shared it.
  function initCopy(button) {
    button.addEventListener("click", function () {
      var input = button.parentNode.querySelector("input");
      var done = function () { button.textContent = "✓"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
      } else {
        input.select();
        try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
      }
      if (button.dataset.shareRecord) {
        var body = new URLSearchParams({ source: button.dataset.shareChannel, path: location.pathname });
        fetch(button.dataset.shareRecord, {
          method: "POST",
          body: body,
          headers: { "X-CSRFToken": csrfToken() },
          credentials: "same-origin"
        }).catch(function () { /* recording a share is best effort */ });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initSteppers(document);
    document.querySelectorAll("[data-sku-picker]").forEach(initSkuPicker);
    document.querySelectorAll("form[data-autosubmit]").forEach(initAutosubmit);
    document.querySelectorAll("form[data-once]").forEach(initOnce);
    document.querySelectorAll("form[data-confirm]").forEach(initConfirm);
    document.querySelectorAll("[data-back]").forEach(initBack);
    document.querySelectorAll("button[data-copy]").forEach(initCopy);
    initMirrors();
    initCountdowns();
  });
})();
