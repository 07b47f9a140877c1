/* WeChat Pay JSAPI: open WeChat's cashier with the server-signed params, then go back to the order.
   Outside WeChat (no WeixinJSBridge) the page says so; the order page shows whether it was paid. */
(function () {
  "use strict";
  var params = JSON.parse(document.getElementById("wechat-pay-params").textContent);
  var back = document.querySelector("[data-wechat-pay-back]").getAttribute("href");

  function pay() {
    window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, function () {
      // ok, cancel or fail: the payment callback, not this answer, decides; the order page shows it.
      window.location.href = back;
    });
  }

  if (window.WeixinJSBridge) {
    pay();
  } else if (/MicroMessenger/i.test(navigator.userAgent)) {
    document.addEventListener("WeixinJSBridgeReady", pay, false);
  } else {
    document.querySelector("[data-wechat-pay-status]").hidden = true;
    document.querySelector("[data-wechat-pay-outside]").hidden = false;
  }
})();
