// Keep the page live after a download.
// Reflex closes its socket on `beforeunload`, but a link whose answer is a file (an invoice PDF, a data
// archive, a calendar entry) fires that event without leaving the page, and the page would then stay
// deaf to the server. If the page is still here a moment later, nudge Reflex's visibility check: it
// reconnects and rehydrates the whole state.
(function () {
  window.addEventListener("beforeunload", function () {
    window.setTimeout(function () {
      if (document.visibilityState === "visible") {
        document.dispatchEvent(new Event("visibilitychange"));
      }
    }, 1000);
  });
})();
