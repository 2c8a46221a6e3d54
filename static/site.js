/* Site-wide behaviour: theme toggle and language switcher. Search and decoder live in their own files. */
(function () {
  "use strict";
  var root = document.documentElement;

  /* Theme toggle: a stored choice wins; with none, the system preference applies. */
  var toggle = document.querySelector(".theme-toggle");
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function systemTheme() { return media && media.matches ? "dark" : "light"; }
  function currentTheme() { return root.getAttribute("data-theme") || systemTheme(); }
  function label() {
    var next = currentTheme() === "dark" ? "light" : "dark";
    toggle.setAttribute("aria-label", toggle.getAttribute("data-label-" + next));
    toggle.title = toggle.getAttribute("data-label-" + next);
  }
  if (toggle) {
    toggle.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try {
        /* Choosing what the system already gives means "follow the system" again. */
        if (next === systemTheme()) localStorage.removeItem("theme");
        else localStorage.setItem("theme", next);
      } catch (e) { /* not stored: applies to this page only */ }
      label();
    });
    if (media && media.addEventListener) media.addEventListener("change", label);
    label();
    toggle.hidden = false;
  }

  /* Other tabs or pages changed the theme. */
  window.addEventListener("storage", function (event) {
    if (event.key !== "theme") return;
    if (event.newValue === "light" || event.newValue === "dark") root.setAttribute("data-theme", event.newValue);
    else root.removeAttribute("data-theme");
    if (toggle) label();
  });

  /* Language switcher: close on Escape or a click elsewhere; keep the section the reader is on. */
  var switcher = document.querySelector(".language-switcher");
  if (switcher) {
    document.addEventListener("click", function (event) {
      if (switcher.open && !switcher.contains(event.target)) switcher.open = false;
    });
    switcher.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && switcher.open) {
        switcher.open = false;
        switcher.querySelector("summary").focus();
      }
    });
    switcher.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !switcher.contains(event.relatedTarget)) switcher.open = false;
    });
    switcher.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[hreflang]");
      if (link && location.hash && link.href.indexOf("#") < 0) link.href += location.hash;
    });
  }
})();
