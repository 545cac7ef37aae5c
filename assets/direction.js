// The document follows the page's language and direction: the page shell carries `lang` and `dir`
// (from the language picker, live), and this copies them onto <html>, so what Radix renders outside
// the shell (dialogs, menus, tooltips) and the browser itself (fonts, line breaking, screen readers)
// follow too.
(function () {
  function sync() {
    var page = document.querySelector("[data-page-language]");
    if (!page) return;
    var root = document.documentElement;
    var dir = page.getAttribute("dir") || "ltr";
    var lang = page.getAttribute("lang") || "";
    if (root.getAttribute("dir") !== dir) root.setAttribute("dir", dir);
    if (lang && root.getAttribute("lang") !== lang) root.setAttribute("lang", lang);
  }
  new MutationObserver(sync).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["dir", "lang"],
  });
  document.addEventListener("DOMContentLoaded", sync);
})();
