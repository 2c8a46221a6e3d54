/* GitHub Pages serves the root 404.html for every missing address. When the address starts with
   a locale's prefix (/tr/…, /repo/pt-br/…), show that locale's text, which the page carries hidden. */
(function () {
  "use strict";
  var root = document.documentElement;
  var base = document.body.getAttribute("data-base") || "/";
  var path = decodeURI(window.location.pathname).toLowerCase();
  if (path.indexOf(base.toLowerCase()) !== 0) return;
  var rest = path.slice(base.length);
  var own = document.querySelector("[data-not-found='']");
  var sections = document.querySelectorAll("section[data-not-found]");
  for (var i = 0; i < sections.length; i++) {
    var section = sections[i];
    var prefix = section.getAttribute("data-not-found");
    if (!prefix || rest.indexOf(prefix) !== 0) continue;
    /* Header and footer stay in the page's language: say so before the page's language changes. */
    ["header", "footer"].forEach(function (name) {
      var part = document.querySelector("body > " + name);
      if (part) part.setAttribute("lang", root.lang);
    });
    root.lang = section.lang;
    root.dir = section.dir;
    document.title = section.getAttribute("data-title") || document.title;
    if (own) own.hidden = true;
    section.hidden = false;
    return;
  }
})();
