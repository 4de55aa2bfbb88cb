// Console behaviour without inline scripts (the page's CSP forbids them): click-to-reveal media
// and keyboard shortcuts for the decision form. Everything else is plain forms and htmx.
(function () {
  "use strict";
  function reveal(figure) {
    // The medium and its frame thumbnails are revealed (or hidden again) together.
    figure.querySelectorAll("[data-reveal]").forEach(function (media) {
      media.classList.toggle("revealed");
    });
  }
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("[data-reveal-button]");
    if (button) { reveal(button.closest("figure")); return; }
    var frame = ev.target.closest("[data-seek]");
    if (frame) {
      // A frame thumbnail jumps the video to that moment (it stays as blurred as it was).
      var video = frame.closest("figure").querySelector("video");
      if (video) { video.currentTime = parseFloat(frame.getAttribute("data-seek")); }
      return;
    }
    var media = ev.target.closest("[data-reveal]");
    if (media && media.tagName === "IMG") { reveal(media.closest("figure")); }
  });
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function click(id) { var el = document.getElementById(id); if (el) { el.click(); } }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) { return; }
    var action = document.getElementById("action");
    if (action && /^[0-9]$/.test(ev.key)) {
      var i = parseInt(ev.key, 10);
      if (i < action.options.length) { action.selectedIndex = i; action.focus(); ev.preventDefault(); }
      return;
    }
    switch (ev.key) {
      case "r": document.querySelectorAll("figure.thumb").forEach(reveal); break;
      case "d": click("decide"); break;
      case "e": click("escalate"); break;
      case "s": click("second"); break;
      case "u": click("release"); break;
      case "n": click("claim"); break;
      default: return;
    }
    ev.preventDefault();
  });
})();
