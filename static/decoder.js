/* The reply decoder page: finds SMTP reply codes and enhanced status codes in pasted text.
   Everything happens in the browser. The only requests are two same-origin JSON files the build
   writes: the grammar (decoder/grammar.json, the same file sitegen/decoder.py reads) and what each
   code means in the page's language (decoder/<locale>.json). The parser below mirrors
   sitegen/decoder.py step by step; tests/test_decoder_browser.py checks that both agree on the
   whole test corpus. Results are built with DOM APIs and textContent only. */
(function () {
  "use strict";

  var KINDS = { "2": "success", "3": "intermediate", "4": "transient", "5": "permanent" };
  var DELAY = 150;

  /* ---- The parser: pure functions over the grammar (see sitegen/decoder_grammar.json). ---- */

  function expand(pattern, parts) {
    for (var round = 0; round < 10; round++) {
      var expanded = pattern.replace(/\{\{(\w+)\}\}/g, function (all, name) {
        if (!Object.prototype.hasOwnProperty.call(parts, name)) throw new Error("unknown grammar part " + name);
        return parts[name];
      });
      if (expanded === pattern) return expanded;
      pattern = expanded;
    }
    throw new Error("decoder grammar parts refer to each other in a loop");
  }

  function compileGrammar(data) {
    return {
      protocol: data.protocol,
      maxInput: data.max_input,
      newlines: new RegExp(data.newlines, "g"),
      remove: new RegExp(data.remove, "g"),
      rules: data.rules.map(function (rule) {
        var flags = (rule.flags || "").replace(/[^im]/g, "");
        return {
          id: rule.id,
          regex: new RegExp(expand(rule.pattern, data.parts), flags + "gd"),
          reply: rule.groups.reply || 0,
          enhanced: rule.groups.enhanced || 0
        };
      })
    };
  }

  /* The first `max` characters, counted in code points as Python counts them. */
  function cut(text, max) {
    if (text.length <= max) return { text: text, truncated: false };
    var index = 0;
    for (var count = 0; count < max && index < text.length; count++) {
      var unit = text.charCodeAt(index);
      var next = text.charCodeAt(index + 1);
      index += unit >= 0xD800 && unit <= 0xDBFF && next >= 0xDC00 && next <= 0xDFFF ? 2 : 1;
    }
    return { text: text.slice(0, index), truncated: index < text.length };
  }

  function clean(text, grammar) {
    var limited = cut(String(text), grammar.maxInput);
    return {
      text: limited.text.replace(grammar.newlines, "\n").replace(grammar.remove, ""),
      truncated: limited.truncated
    };
  }

  function enhancedKey(code) {
    return "x." + code.slice(code.indexOf(".") + 1);
  }

  /* Every known code in the text, once each, in the order they first appear. */
  function decode(text, grammar, vocabulary) {
    var cleaned = clean(text, grammar);
    var found = [];
    grammar.rules.forEach(function (rule) {
      rule.regex.lastIndex = 0;
      var match;
      while ((match = rule.regex.exec(cleaned.text)) !== null) {
        var reply = rule.reply ? match[rule.reply] : undefined;
        var enhanced = rule.enhanced ? match[rule.enhanced] : undefined;
        if (reply && vocabulary.reply.has(reply)) {
          found.push({ position: match.indices[rule.reply][0], type: "reply", code: reply });
        }
        if (enhanced && vocabulary.enhanced.has(enhancedKey(enhanced)) && (!reply || reply[0] === enhanced[0])) {
          found.push({ position: match.indices[rule.enhanced][0], type: "enhanced", code: enhanced });
        }
      }
    });
    found.sort(function (a, b) {
      return a.position - b.position || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0) ||
        (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
    });
    var seen = new Set();
    var findings = [];
    found.forEach(function (item) {
      var id = item.type + " " + item.code;
      if (seen.has(id)) return;
      seen.add(id);
      findings.push({
        type: item.type,
        code: item.code,
        key: item.type === "reply" ? item.code : enhancedKey(item.code),
        kind: KINDS[item.code[0]]
      });
    });
    return { findings: findings, truncated: cleaned.truncated };
  }

  function vocabularyOf(entries) {
    return { reply: new Set(Object.keys(entries.reply)), enhanced: new Set(Object.keys(entries.enhanced)) };
  }

  /* ---- Loading the two data files, from the site itself. ---- */

  var SAFE_PATH = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*\.json$/;

  function dataUrl(base, path) {
    if (!/^\/(?!\/)/.test(base) || !SAFE_PATH.test(path || "")) throw new Error("bad decoder data path");
    return base + path;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", redirect: "error" }).then(function (response) {
      if (!response.ok) throw new Error(url + ": HTTP " + response.status);
      return response.json();
    });
  }

  /* ---- The page. ---- */

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : all;
    });
  }

  function element(name, className, text) {
    var node = document.createElement(name);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function Page(root) {
    this.root = root;
    this.text = root.dataset;
    this.lang = document.documentElement.lang || "en";
    this.input = root.querySelector("[data-decoder-input]");
    this.status = root.querySelector("[data-decoder-status]");
    this.none = root.querySelector("[data-decoder-none]");
    this.truncated = root.querySelector("[data-decoder-truncated]");
    this.error = root.querySelector("[data-decoder-error]");
    this.results = root.querySelector("[data-decoder-results]");
    this.idle = this.status.textContent;
    this.timer = 0;
    this.shown = null;
  }

  Page.prototype.list = function (codes) {
    try {
      return new Intl.ListFormat(this.lang, { style: "short", type: "unit" }).format(codes);
    } catch (e) {
      return codes.join(", ");
    }
  };

  Page.prototype.number = function (value) {
    try {
      return new Intl.NumberFormat(this.lang).format(value);
    } catch (e) {
      return String(value);
    }
  };

  /* An element whose text is English fallback says so, for screen readers and fonts. */
  Page.prototype.textOf = function (entry, field, name, className) {
    var node = element(name, className, field.split(".").reduce(function (value, key) {
      return value && value[key];
    }, entry) || "");
    if (entry.en && entry.en.indexOf(field) >= 0) node.lang = "en";
    return node;
  };

  Page.prototype.card = function (finding, entry) {
    var item = element("li", "decoder-finding kind-" + finding.kind);
    var heading = element("h3");
    var number = heading.appendChild(element("span", "code-number", finding.code));
    number.dir = "ltr";
    heading.appendChild(document.createTextNode(" "));
    heading.appendChild(this.textOf(entry, "title", "span", "decoder-title"));
    item.appendChild(heading);

    var badges = element("p", "badges");
    badges.appendChild(element("span", "badge kind-" + finding.kind, this.text["kind" + finding.kind[0].toUpperCase() + finding.kind.slice(1)]));
    badges.appendChild(element("span", "badge", finding.type === "reply" ? this.text.textReply : this.text.textEnhanced));
    item.appendChild(badges);

    item.appendChild(this.textOf(entry, "summary", "p", "decoder-summary"));
    if (finding.type === "enhanced") {
      item.appendChild(this.textOf(entry, "meaning." + finding.code[0], "p", "decoder-meaning"));
    }

    var next = element("div", "decoder-next");
    next.appendChild(element("h4", "", this.text.textNext));
    next.appendChild(element("p", "decoder-step", this.text["step" + finding.kind[0].toUpperCase() + finding.kind.slice(1)]));
    if (entry.next) next.appendChild(this.textOf(entry, "next", "p", "decoder-advice"));
    item.appendChild(next);

    var more = element("p", "decoder-more");
    var link = element("a", "", fill(this.text.textLink, { code: finding.code }));
    link.href = finding.type === "reply" ? entry.url : entry.url + "#class-" + finding.code[0];
    more.appendChild(link);
    item.appendChild(more);
    return item;
  };

  Page.prototype.render = function () {
    var value = this.input.value;
    if (value === this.shown) return;
    this.shown = value;
    var result = decode(value, this.grammar, this.vocabulary);
    var entries = this.entries;
    var self = this;
    var cards = result.findings.map(function (finding) {
      var entry = (finding.type === "reply" ? entries.reply : entries.enhanced)[finding.key];
      return self.card(finding, entry);
    });
    this.results.replaceChildren.apply(this.results, cards);
    var empty = !value.trim();
    this.none.hidden = empty || cards.length > 0;
    this.truncated.hidden = !result.truncated;
    this.truncated.textContent = result.truncated ? fill(this.text.textTruncated, { count: this.number(this.grammar.maxInput) }) : "";
    this.status.textContent = empty ? this.idle : cards.length ? fill(this.text.textFound, {
      codes: this.list(result.findings.map(function (finding) { return finding.code; }))
    }) : this.none.textContent;
    this.status.classList.toggle("visually-hidden", !empty && cards.length === 0);
  };

  Page.prototype.schedule = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { if (self.grammar) self.render(); }, DELAY);
  };

  Page.prototype.start = function (grammar, entries, vocabulary) {
    var self = this;
    this.grammar = grammar;
    this.entries = entries;
    this.vocabulary = vocabulary;
    this.root.querySelector("[data-decoder-form]").addEventListener("submit", function (event) {
      event.preventDefault();
      self.shown = null;
      self.render();
    });
    this.input.addEventListener("input", function () { self.schedule(); });
    this.root.querySelector("[data-decoder-clear]").addEventListener("click", function () {
      self.input.value = "";
      self.render();
      self.input.focus();
    });
    Array.prototype.forEach.call(this.root.querySelectorAll("[data-example]"), function (button) {
      button.addEventListener("click", function () {
        self.input.value = button.getAttribute("data-example");
        self.render();
      });
    });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query && !this.input.value) this.input.value = query;
    this.render();
    this.root.classList.add("decoder-ready");
  };

  var api = { decode: decode, compileGrammar: compileGrammar, vocabularyOf: vocabularyOf };
  window.SmtpDecoder = api;

  var root = document.querySelector("[data-decoder]");
  if (!root) return;
  var page = new Page(root);
  var base = document.body.getAttribute("data-base") || "/";
  api.ready = Promise.all([
    getJson(dataUrl(base, root.dataset.grammar)),
    getJson(dataUrl(base, root.dataset.entries))
  ]).then(function (loaded) {
    var grammar = compileGrammar(loaded[0]);
    var vocabulary = vocabularyOf(loaded[1]);
    /* For tests and the curious: the page's own parser, on any text. */
    api.parse = function (text) { return decode(text, grammar, vocabulary); };
    page.start(grammar, loaded[1], vocabulary);
    return api;
  });
  api.ready.catch(function () {
    page.error.hidden = false;
    page.status.textContent = page.error.textContent;
  });
})();
