/* 店铺装修: after htmx saves a change to the draft, the phone preview reloads to show it. */
(function () {
  "use strict";
  document.body.addEventListener("decorationSaved", function () {
    var frame = document.querySelector("iframe[data-preview]");
    if (frame) frame.src = frame.src;
  });
})();
