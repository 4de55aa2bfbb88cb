// Console behaviour without inline scripts (the page's CSP forbids them): click-to-reveal media
// and keyboard shortcuts for the whole review walk. Everything else is plain forms and htmx.
//
// Keys (shown on each page): n take the next case · r reveal media · f enlarge media (Esc
// closes) · 0-9 pick an action ·
// d decide · e escalate · s second opinion · u release · Esc leave a text field.
// While typing in a text field (note, statement, countries) only the explicit keys work:
// Esc leaves the field and Ctrl+Enter decides.
(function () {
  "use strict";
  function counted(figure) {
    // The first reveal of a case's medium on this page is reported, so the server can count
    // the shift's exposure to graphic media; its answer is the break banner (or nothing).
    var page = figure.closest("[data-case]");
    if (!page || !figure.hasAttribute("data-media") || figure.hasAttribute("data-counted")) { return; }
    figure.setAttribute("data-counted", "");
    var url = "/console/cases/" + page.getAttribute("data-case") + "/media/" + figure.getAttribute("data-media") + "/revealed";
    fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": document.body.getAttribute("data-csrf") || "" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var box = document.getElementById("exposure");
        if (box && html !== null) { box.innerHTML = html; }
      });
  }
  var shownAt = new Map();  // figure -> when it was revealed (ms)
  function hidden(figure) {
    // Time on screen, reported when the medium is hidden again or the page is left.
    var since = shownAt.get(figure);
    var page = figure.closest("[data-case]");
    shownAt.delete(figure);
    if (since === undefined || !page || !figure.hasAttribute("data-media")) { return; }
    var body = new FormData();
    body.append("csrf", document.body.getAttribute("data-csrf") || "");
    body.append("seconds", String((Date.now() - since) / 1000));
    navigator.sendBeacon("/console/cases/" + page.getAttribute("data-case") + "/media/" + figure.getAttribute("data-media") + "/hidden", body);
  }
  window.addEventListener("pagehide", function () { shownAt.forEach(function (_, figure) { hidden(figure); }); });
  function reveal(figure) {
    // The medium and its frame thumbnails are revealed (or hidden again) together.
    var shown = false;
    figure.querySelectorAll("[data-reveal]").forEach(function (media) {
      shown = media.classList.toggle("revealed") || shown;
    });
    if (shown) { counted(figure); shownAt.set(figure, Date.now()); } else { hidden(figure); }
  }
  function enlarge(figure, on) {
    // The figure itself becomes the lightbox: the same element, so blur, greyscale, sound and
    // position carry over, and closing it puts everything back where it was.
    if (!figure) { return; }
    var open = on === undefined ? !figure.classList.contains("enlarged") : on;
    figure.classList.toggle("enlarged", open);
    var button = figure.querySelector("[data-enlarge]");
    if (button) {
      button.setAttribute("aria-pressed", open ? "true" : "false");
      button.firstChild.textContent = open ? "Close " : "Enlarge ";
    }
  }
  function clock(t) {
    t = Math.max(0, Math.floor(t || 0));
    return Math.floor(t / 60) + ":" + ("0" + (t % 60)).slice(-2);
  }
  function syncControls(video) {
    var bar = video.closest("figure").querySelector(".controls");
    if (!bar) { return; }
    bar.querySelector("[data-play]").textContent = video.paused ? "Play" : "Pause";
    var mute = bar.querySelector("[data-mute]");
    mute.textContent = video.muted ? "Sound off" : "Sound on";
    mute.setAttribute("aria-pressed", video.muted ? "true" : "false");
    if (video.duration > 0 && isFinite(video.duration)) {
      bar.querySelector("[data-seek-bar]").value = String(Math.round(1000 * video.currentTime / video.duration));
    }
    bar.querySelector("[data-time]").textContent = clock(video.currentTime) + " / " + clock(video.duration);
  }
  ["play", "pause", "timeupdate", "volumechange", "loadedmetadata"].forEach(function (name) {
    // Media events do not bubble; capture sees them on the way down.
    document.addEventListener(name, function (ev) {
      if (ev.target.tagName === "VIDEO") { syncControls(ev.target); }
    }, true);
  });
  document.addEventListener("input", function (ev) {
    var bar = ev.target.closest("[data-seek-bar]");
    if (!bar) { return; }
    var video = bar.closest("figure").querySelector("video");
    if (video && video.duration > 0) { video.currentTime = video.duration * parseInt(bar.value, 10) / 1000; }
  });
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("[data-reveal-button]");
    if (button) { reveal(button.closest("figure")); return; }
    var big = ev.target.closest("[data-enlarge]");
    if (big) { enlarge(big.closest("figure")); return; }
    var play = ev.target.closest("[data-play]");
    if (play) {
      var v = play.closest("figure").querySelector("video");
      if (v.paused) { v.play(); } else { v.pause(); }
      return;
    }
    var mute = ev.target.closest("[data-mute]");
    if (mute) { var mv = mute.closest("figure").querySelector("video"); mv.muted = !mv.muted; return; }
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
  var NOT_TEXT = ["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"];
  function typing(el) {
    // A field that takes typed characters: shortcuts must not fire there. A <select> is not
    // one: picking an action with a digit leaves focus where it was, and d still decides.
    if (!el) { return false; }
    if (el.isContentEditable || el.tagName === "TEXTAREA") { return true; }
    return el.tagName === "INPUT" && NOT_TEXT.indexOf((el.type || "text").toLowerCase()) < 0;
  }
  function click(id) { var el = document.getElementById(id); if (el) { el.click(); } }
  function announce(text) {
    var out = document.getElementById("key-status");
    if (out) { out.textContent = text; }
  }
  document.addEventListener("keydown", function (ev) {
    var active = document.activeElement;
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "Enter" && active && active.closest("#decide-form")) {
      click("decide"); ev.preventDefault(); return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var open = document.querySelector("figure.enlarged");
    if (open && ev.key === "Escape") { enlarge(open, false); ev.preventDefault(); return; }
    if (typing(active)) {
      if (ev.key === "Escape") { active.blur(); ev.preventDefault(); }
      return;
    }
    var action = document.getElementById("action");
    if (action && /^[0-9]$/.test(ev.key)) {
      var i = parseInt(ev.key, 10);
      if (i < action.options.length) {
        action.selectedIndex = i;
        action.dispatchEvent(new Event("change", { bubbles: true }));
        announce("Action: " + action.options[i].textContent.trim());
      }
      ev.preventDefault();
      return;
    }
    switch (ev.key) {
      case "r": document.querySelectorAll("figure.thumb").forEach(reveal); break;
      case "f": enlarge(open || document.querySelector("figure.thumb:has([data-enlarge])")); break;
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
