// Keyboard and screen-reader focus follows the content (WCAG 2.4.3): after a navigation inside the portal,
// focus goes to the new page's heading (<main> h1); when a step of a page replaces the part the person
// acted on (an element marked data-focus-step appears), focus goes to that step's heading. A field the
// new content focused itself (autofocus) keeps the focus. And a box that scrolls sideways (a wide table on
// a phone) takes the focus too, so its hidden columns can be scrolled into view with the arrows (2.1.1).
// A page's controls stay disabled until its load has run (the fieldset marked data-page-controls): a field
// that asked for the focus (data-autofocus) could not take it then, and takes it when they come alive.
(function () {
  function focusOn(el) {
    if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    el.focus({ preventScroll: false });
  }
  function focusLost(before) {
    var a = document.activeElement;
    return !a || a === document.body || !a.isConnected || a === before;
  }
  function headingOf(el) {
    return el.matches("h1,h2,h3") ? el : el.querySelector("h1,h2,h3") || el;
  }

  var route = location.pathname + location.search, navigating = false;
  function afterNavigation() {
    var now = location.pathname + location.search;
    if (now === route) return;
    route = now;
    navigating = true;  // a new page: its h1, not the steps it renders on the way
    var before = document.activeElement, oldHeading = document.querySelector("main h1"), tries = 50;
    (function wait() {
      var h = document.querySelector("main h1");
      if (!focusLost(before)) { navigating = false; return; }  // the new page placed the focus itself
      if (h && h !== oldHeading && h.getClientRects().length) { focusOn(h); navigating = false; return; }
      if (--tries > 0) setTimeout(wait, 80); else navigating = false;
    })();
  }
  ["pushState", "replaceState"].forEach(function (name) {
    var original = history[name];
    history[name] = function () {
      var result = original.apply(this, arguments);
      setTimeout(afterNavigation, 0);
      return result;
    };
  });
  window.addEventListener("popstate", function () { setTimeout(afterNavigation, 0); });

  function stepShown(step) {
    // after the dialog or button that led here has given the focus back (Radix does it a moment later)
    [0, 120, 400].forEach(function (delay) {
      setTimeout(function () {
        if (!navigating && step.isConnected && focusLost(null)) focusOn(headingOf(step));
      }, delay);
    });
  }
  var boxesPending = false;
  function scrollBoxes() {
    boxesPending = false;
    document.querySelectorAll(".rt-ScrollAreaViewport").forEach(function (box) {
      if (!box.hasAttribute("tabindex") &&
          (box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1)) {
        box.setAttribute("tabindex", "0");
      }
    });
  }
  function scrollBoxesSoon() {
    if (!boxesPending) { boxesPending = true; setTimeout(scrollBoxes, 50); }
  }
  window.addEventListener("resize", scrollBoxesSoon);

  function controlsAlive(box) {
    if (box.disabled || !focusLost(null)) return;
    var field = box.querySelector("[data-autofocus]:not([disabled])");
    if (field && field.getClientRects().length) field.focus();
  }
  function watch() {
    new MutationObserver(function (mutations) {
      mutations.forEach(function (m) {
        if (m.target.nodeType === 1 && m.target.hasAttribute("data-page-controls")) controlsAlive(m.target);
      });
    }).observe(document.body, { attributes: true, attributeFilter: ["disabled"], subtree: true });
    new MutationObserver(function (mutations) {
      scrollBoxesSoon();
      mutations.forEach(function (m) {
        m.addedNodes.forEach(function (node) {
          if (node.nodeType !== 1) return;
          var step = node.matches("[data-focus-step]") ? node : node.querySelector("[data-focus-step]");
          if (step) stepShown(step);
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }
  if (document.body) watch(); else document.addEventListener("DOMContentLoaded", watch);
})();
