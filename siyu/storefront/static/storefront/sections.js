/* Decorated pages: banner carousels move on every 4 s (paused while touched) and their dots follow. */
(function () {
  "use strict";
  document.querySelectorAll("[data-carousel]").forEach(function (track) {
    var slides = track.children;
    var dots = track.parentNode.querySelectorAll(".dots i");
    if (slides.length < 2) return;
    var touched = false;
    function current() { return Math.round(track.scrollLeft / track.clientWidth); }
    track.addEventListener("scroll", function () {
      var n = current();
      dots.forEach(function (dot, i) { dot.classList.toggle("on", i === n); });
    }, { passive: true });
    track.addEventListener("touchstart", function () { touched = true; }, { passive: true });
    track.addEventListener("touchend", function () { touched = false; }, { passive: true });
    setInterval(function () {
      if (touched || document.hidden) return;
      var next = (current() + 1) % slides.length;
      track.scrollTo({ left: next * track.clientWidth, behavior: "smooth" });
    }, 4000);
  });
})();
