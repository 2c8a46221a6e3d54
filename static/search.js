/* Site search: a small interface over Pagefind's JavaScript API.
   The build writes one Pagefind index per language into <base>pagefind/; Pagefind picks the
   index from <html lang>, so results are in the reader's language. Everything is loaded from
   the site itself, on first use. Texts come from the <script> tag, translated by the build. */
(function () {
  "use strict";
  var script = document.currentScript;
  var text = (script && script.dataset) || {};
  var base = document.body.getAttribute("data-base") || "/";
  var MAX_RESULTS = 8;
  var DELAY = 120;
  var CLASS_FORM = /^([245])\.(\d{1,3})\.(\d{1,3})$/;
  var loading = null;

  /* Load Pagefind once, relative to the base path the site is served under. */
  function pagefind() {
    if (!loading) {
      loading = import(base + "pagefind/pagefind.js").then(function (module) {
        return module.options({
          baseUrl: base,
          excerptLength: 22,
          /* Short pages are not favoured much: a code's own (long) page should outrank the
             short pages that only mention it. Pair pages also weigh less (data-pagefind-weight). */
          ranking: { pageLength: 0.2 }
        }).then(function () { return module; });
      });
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  function element(name, className, content) {
    var node = document.createElement(name);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  /* Pagefind's excerpt is HTML with <mark> around matches: keep the text and the marks only. */
  function excerpt(html) {
    var fragment = document.createDocumentFragment();
    var parsed = new DOMParser().parseFromString(html || "", "text/html");
    parsed.body.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") fragment.appendChild(element("mark", "", node.textContent));
      else fragment.appendChild(document.createTextNode(node.textContent));
    });
    return fragment;
  }

  /* A class form such as 5.1.1 leads to its section on the enhanced code's page. */
  function target(url, query) {
    var form = CLASS_FORM.exec(query);
    var page = form ? "/x." + form[2] + "." + form[3] + "/" : null;
    if (page && url.indexOf("#") < 0 && url.slice(-page.length) === page) return url + "#class-" + form[1];
    return url;
  }

  function Search(form) {
    this.form = form;
    /* A part of the page in another language (the 404 page's) carries its own texts. */
    var own = form.closest("[data-text-none]");
    this.text = own ? own.dataset : text;
    this.input = form.querySelector("[data-search-input]");
    this.results = form.querySelector("[data-search-results]");
    this.generation = 0;
    this.timer = 0;
    this.shown = "";
  }

  Search.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("input", function () {
      clearTimeout(self.timer);
      self.timer = setTimeout(function () { self.run(); }, DELAY);
    });
    this.input.addEventListener("focus", function () {
      pagefind().then(function (module) { return module.init(); }).catch(function () {});
    }, { once: true });
    /* Enter opens the best result; when nothing matched, the form goes where it points without
       script (the decoder, which explains every code in a pasted reply). */
    this.form.addEventListener("submit", function (event) {
      var first = self.results.querySelector("li a");
      if (self.shown && self.shown === self.query() && !first) return;
      event.preventDefault();
      if (first && self.shown === self.query()) window.location.href = first.href;
      else self.run();
    });
    this.form.addEventListener("keydown", function (event) { self.navigate(event); });
  };

  Search.prototype.query = function () {
    return this.input.value.trim();
  };

  /* Arrow keys move between the search field and the results; Escape clears. */
  Search.prototype.navigate = function (event) {
    var links = Array.prototype.slice.call(this.results.querySelectorAll("a"));
    var index = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && links.length) {
      links[Math.min(index + 1, links.length - 1)].focus();
      event.preventDefault();
    } else if (event.key === "ArrowUp" && index >= 0) {
      (index === 0 ? this.input : links[index - 1]).focus();
      event.preventDefault();
    } else if (event.key === "Escape" && this.input.value) {
      this.input.value = "";
      this.clear();
      this.input.focus();
    }
  };

  Search.prototype.clear = function () {
    this.generation += 1;
    this.shown = "";
    this.results.removeAttribute("data-query");
    this.results.replaceChildren();
    this.results.removeAttribute("aria-busy");
  };

  Search.prototype.run = function () {
    var self = this;
    var query = this.query();
    if (!query) {
      this.clear();
      return;
    }
    var generation = ++this.generation;
    this.results.setAttribute("aria-busy", "true");
    if (!this.results.firstChild) this.status(this.text.textSearching || "");
    pagefind()
      .then(function (module) { return module.search(query); })
      .then(function (search) {
        var top = search ? search.results.slice(0, MAX_RESULTS) : [];
        return Promise.all(top.map(function (result) { return result.data(); }));
      })
      .then(function (pages) {
        if (generation === self.generation) self.show(query, pages);
      })
      .catch(function () {
        if (generation === self.generation) self.failed();
      });
  };

  Search.prototype.status = function (message) {
    this.results.replaceChildren(element("p", "search-status", message));
  };

  Search.prototype.show = function (query, pages) {
    this.results.removeAttribute("aria-busy");
    this.results.setAttribute("data-query", query);
    this.shown = query;
    if (!pages.length) {
      var none = this.text.textNone || "";
      var at = none.indexOf("%(query)s");
      this.status(at < 0 ? none : none.slice(0, at) + query + none.slice(at + 9));
      return;
    }
    var list = element("ol", "search-result-list");
    list.setAttribute("aria-label", this.text.textResults || "");
    pages.forEach(function (page) {
      var item = element("li", "search-result");
      var link = element("a", "", (page.meta && page.meta.title) || page.url);
      link.href = target(page.url, query);
      item.appendChild(link);
      if (page.excerpt) {
        var summary = element("p", "search-excerpt");
        summary.appendChild(excerpt(page.excerpt));
        item.appendChild(summary);
      }
      list.appendChild(item);
    });
    this.results.replaceChildren(list);
  };

  Search.prototype.failed = function () {
    this.results.removeAttribute("aria-busy");
    this.results.setAttribute("data-query", this.query());
    this.shown = "";
    var text = this.text;
    var message = element("p", "search-status", (text.textError || "") + " ");
    if (text.indexUrl) {
      var link = element("a", "", text.textIndex || text.indexUrl);
      link.href = text.indexUrl;
      message.appendChild(link);
    }
    this.results.replaceChildren(message);
  };

  var searches = [];
  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("[data-search-input]") && form.querySelector("[data-search-results]")) {
      var search = new Search(form);
      search.bind();
      searches.push(search);
    }
  });

  function visible(search) {
    return !search.form.closest("[hidden]");
  }

  /* A query in the address (?q=…, from the header search or a search engine) runs at once,
     once every deferred script (such as the 404 page's language choice) has run. */
  document.addEventListener("DOMContentLoaded", function () {
    var query = new URLSearchParams(window.location.search).get("q");
    var search = searches.filter(visible)[0];
    if (query && search) {
      search.input.value = query;
      search.run();
    }
  });

  /* "/" jumps to the search field, as on many documentation sites. */
  document.addEventListener("keydown", function (event) {
    var shown = searches.filter(visible)[0];
    var field = shown ? shown.input : null;
    var typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "/" && field && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      field.focus();
      event.preventDefault();
    }
  });
})();
