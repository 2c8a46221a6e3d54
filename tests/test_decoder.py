"""The reply decoder in Python: the grammar, the parser against the shared corpus, `build.py explain`,
the data the build publishes for the page, and the page itself as HTML.

tests/test_decoder_browser.py runs the same corpus through static/decoder.js.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from conftest import PROJECT, SITE_URL
from decoder_corpus import CORPUS, HOSTILE, NEGATIVE, POSITIVE, expected, ids, text_of
from sitegen import urls as paths
from sitegen.content import load_content
from sitegen.decoder import GRAMMAR_PATH, clean, decode, enhanced_key, expand, load_grammar, vocabulary_of
from sitegen.decoder_data import Entries, PlainText, decoder_protocol, dump
from sitegen.catalogs import discover_locales
from sitegen.locales import site_locale
from sitegen.prepare import prepare_site
from sitegen.urls import Urls

PROTOCOL = decoder_protocol(load_content(PROJECT / "content"))
VOCABULARY = vocabulary_of(PROTOCOL)
GRAMMAR_DATA = json.loads(GRAMMAR_PATH.read_text(encoding="utf-8"))
LOCALES = [site_locale("en")] + [site_locale(p.stem) for p in discover_locales(PROJECT / "locales")]


def found(text: str) -> list[str]:
    return [finding.code for finding in decode(text, VOCABULARY).findings]


# ---------- the corpus itself ----------

def test_corpus_has_every_form_and_enough_items():
    assert len(POSITIVE) >= 60
    forms = {item["form"] for item in POSITIVE}
    for form in ("provider reply", "multi-line reply", "postfix log", "exim log", "exim bounce", "sendmail log",
                 "exchange report", "dsn", "session transcript"):
        assert form in forms, form
    negatives = " ".join(item["id"] for item in NEGATIVE)
    for kind in ("date", "ip address", "ports", "phone numbers", "sizes", "queue ids", "timestamp"):
        assert kind in negatives, kind
    assert any(len(text_of(item)) >= 500_000 for item in HOSTILE)
    assert len({item["id"] for item in POSITIVE + NEGATIVE + HOSTILE}) == len(POSITIVE + NEGATIVE + HOSTILE)


def test_corpus_credits_the_provider_responses():
    assert "MIT License" in CORPUS["credits"]
    notice = (PROJECT / "tests" / "data" / "LICENSE-provider-responses.txt").read_text(encoding="utf-8")
    assert "MIT License" in notice and "Neatnik" in notice
    quoted = [item for item in POSITIVE if item["source"].startswith("provider-responses")]
    assert len(quoted) >= 30


def test_every_code_the_corpus_expects_has_a_page():
    for item in POSITIVE + HOSTILE:
        for code in expected(item):
            known = VOCABULARY.reply if "." not in code else VOCABULARY.enhanced
            assert (code if "." not in code else enhanced_key(code)) in known, \
                f"{item['id']}: the corpus expects {code}, but content/ has no page for it"


# ---------- the parser against the corpus ----------

@pytest.mark.parametrize("item", POSITIVE, ids=ids(POSITIVE))
def test_real_replies_yield_their_codes(item):
    assert found(item["text"]) == item["codes"]


@pytest.mark.parametrize("item", NEGATIVE, ids=ids(NEGATIVE))
def test_numbers_that_are_not_codes_yield_nothing(item):
    assert found(item["text"]) == []


@pytest.mark.parametrize("item", HOSTILE, ids=ids(HOSTILE))
def test_hostile_input_is_bounded_and_safe(item):
    text = text_of(item)
    decoded = decode(text, VOCABULARY)
    assert [f.code for f in decoded.findings] == expected(item)
    assert decoded.truncated == item.get("truncated", False)


def test_findings_carry_their_kind_and_page_key():
    decoded = decode("421 4.7.0 Try later\n250 2.1.0 Ok\n354 Go ahead\n550 5.1.1 Unknown user", VOCABULARY)
    assert [(f.type, f.code, f.key, f.kind) for f in decoded.findings] == [
        ("reply", "421", "421", "transient"), ("enhanced", "4.7.0", "x.7.0", "transient"),
        ("reply", "250", "250", "success"), ("enhanced", "2.1.0", "x.1.0", "success"),
        ("reply", "354", "354", "intermediate"),
        ("reply", "550", "550", "permanent"), ("enhanced", "5.1.1", "x.1.1", "permanent"),
    ]


def test_control_characters_are_removed_and_line_breaks_unified():
    grammar = load_grammar()
    text, truncated = clean("a\x00b\x1bc\r\nd\re\u2028f\u202eg\ufeffh\u200bi\tj", grammar)
    assert text == "abc\nd\ne\nfghi\tj" and not truncated
    text, truncated = clean("x" * (grammar.max_input + 5), grammar)
    assert len(text) == grammar.max_input and truncated


def test_only_codes_with_a_page_are_found():
    assert "540" not in VOCABULARY.reply and found("540 Blocked") == []
    assert "x.7.515" not in VOCABULARY.enhanced and found("550 5.7.515 Access denied") == ["550"]


# ---------- the grammar: one specification, in the common subset of Python and JavaScript ----------

def expanded_patterns() -> list[tuple[str, str]]:
    return [(rule["id"], expand(rule["pattern"], GRAMMAR_DATA["parts"])) for rule in GRAMMAR_DATA["rules"]]


def subset_problems(pattern: str) -> list[str]:
    """What in a pattern falls outside the common, linear-time subset of Python re and JS RegExp."""
    problems, stack, i = [], [{"quantified": False, "lookbehind": False, "alternation": False}], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            escaped = pattern[i + 1]
            if escaped in "dDwWsSbBAZzGN" or escaped.isdigit():
                problems.append(f"\\{escaped} differs between Python and JavaScript")
            i += 6 if escaped == "u" else 4 if escaped == "x" else 2
            continue
        if char == "[":
            end = i + 1 + (pattern[i + 1] == "^")
            if pattern[end] == "]":
                problems.append("[] and [^] differ between Python and JavaScript")
            while pattern[end] != "]":
                if pattern[end] == "\\" and pattern[end + 1] in "dDwWsSbB":
                    problems.append(f"\\{pattern[end + 1]} in a class differs between Python and JavaScript")
                end += 2 if pattern[end] == "\\" else 1
            i = end + 1
            continue
        if char == "(":
            head = pattern[i:i + 4]
            if head.startswith("(?") and not head.startswith(("(?:", "(?=", "(?!", "(?<=", "(?<!")):
                problems.append(f"{head!r}: named groups, inline flags and atomic groups are not shared")
            stack.append({"quantified": False, "lookbehind": head.startswith(("(?<=", "(?<!")),
                          "alternation": False})
            i += 4 if head.startswith(("(?<=", "(?<!")) else 3 if head.startswith("(?") else 1
            continue
        if char == ")":
            group = stack.pop()
            if group["lookbehind"] and (group["quantified"] or group["alternation"]):
                problems.append("a look-behind must be one character or class wide")
            quantifier = re.match(r"\{(\d+)(,(\d*))?\}|[*+?]", pattern[i + 1:])
            repeats = quantifier and quantifier.group(0) != "?" and quantifier.group(0) not in ("{0,1}", "{1}")
            if repeats and group["quantified"]:
                problems.append("nested quantifiers (a repeated group that contains a quantifier)")
            stack[-1]["quantified"] |= group["quantified"] or bool(quantifier)
            i += 1
            continue
        if char in "*+":
            problems.append(f"unbounded {char}: use {{0,n}} or {{1,n}}")
        elif char == "{" and re.match(r"\{\d+,\}", pattern[i:]):
            problems.append("unbounded {n,}")
        if char in "*+?{":
            stack[-1]["quantified"] = True
        elif char == "|":
            stack[-1]["alternation"] = True
        elif char == ".":
            problems.append("'.' differs between Python and JavaScript (line terminators); use [^\\n]")
        elif not char.isascii() and char.lower() != char.upper():
            problems.append(f"non-ASCII letter {char!r} folds case differently")
        i += 1
    return problems


@pytest.mark.parametrize("rule_id, pattern", expanded_patterns(), ids=[r for r, _ in expanded_patterns()])
def test_every_pattern_is_in_the_common_linear_time_subset(rule_id, pattern):
    assert subset_problems(pattern) == []
    assert set(GRAMMAR_DATA["rules"][[r["id"] for r in GRAMMAR_DATA["rules"]].index(rule_id)]["flags"]) <= set("im")


@pytest.mark.parametrize("pattern, problem", [
    (r"(?P<code>\d{3})", "named groups"), (r"(a+)+", "unbounded"), (r"(?:[0-9]{1,3}){1,9}", "nested"),
    (r"a.b", "'.'"), (r"(?<=ab|c)x", "look-behind"), (r"\bx", "\\b"), (r"[0-9]{2,}", "unbounded {n,}"),
])
def test_the_subset_check_catches_what_it_should(pattern, problem):
    assert any(problem in found_problem for found_problem in subset_problems(pattern)), subset_problems(pattern)


def test_every_rule_matches_its_own_examples():
    grammar = load_grammar()
    for rule in grammar.rules:
        examples = next(r for r in GRAMMAR_DATA["rules"] if r["id"] == rule.id)["examples"]
        assert examples, rule.id
        for example in examples:
            assert rule.regex.search(clean(example, grammar)[0]), f"{rule.id}: {example}"


# ---------- python build.py explain ----------

def explain(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PROJECT / "build.py"), "explain", *args], cwd=PROJECT,
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_explain_prints_each_code_its_title_kind_next_step_and_page():
    result = explain("550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for code, key in (("550", "550"), ("5.7.26", "x.7.26")):
        title = PROTOCOL.code(550).title if code == "550" else PROTOCOL.enhanced_code(code).title
        assert f"{code}  {title}" in out
    assert out.count("permanent failure") == 2
    assert out.count("What to do next") == 2
    assert "/smtp/550/" in out and "/smtp/x.7.26/#class-5" in out
    assert out.index("550  ") < out.index("5.7.26  ")


def test_explain_reads_standard_input_and_prints_absolute_links():
    bounce = next(item for item in POSITIVE if item["form"] == "dsn")
    for args in ((), ("-",)):
        result = explain(*args, "--site-url", "https://codes.example.org/", stdin=bounce["text"])
        assert result.returncode == 0, result.stderr
        for code in bounce["codes"]:
            assert f"\n{code}  " in "\n" + result.stdout
        assert "https://codes.example.org/smtp/" in result.stdout


def test_explain_says_plainly_when_there_is_no_code():
    result = explain("Call 555-123-4567 before 2024-05-21 10:15, port 587, 192.0.2.1")
    assert result.returncode == 1
    assert result.stdout.startswith("No SMTP reply code or enhanced status code found in the text.")


def test_explain_json_gives_the_same_findings_as_the_parser():
    item = next(item for item in POSITIVE if item["form"] == "session transcript")
    result = explain("--json", stdin=item["text"])
    data = json.loads(result.stdout)
    assert [f["code"] for f in data["findings"]] == item["codes"]
    assert all(f["title"] and f["summary"] and f["url"] and f["kind"] for f in data["findings"])


def test_explain_handles_hostile_input():
    text = text_of(next(item for item in HOSTILE if item.get("truncated") and item["codes"]))
    result = explain(stdin=text)
    assert result.returncode == 0 and "only the first" in result.stderr


# ---------- what the build publishes ----------

def test_build_publishes_the_grammar_and_one_data_file_per_locale(site):
    assert (site / paths.decoder_grammar_path()).read_bytes() == GRAMMAR_PATH.read_bytes()
    for locale in LOCALES:
        data = json.loads((site / paths.decoder_data_path(locale)).read_text(encoding="utf-8"))
        assert data["locale"] == locale.tag and data["protocol"] == PROTOCOL.slug
        assert set(data["reply"]) == VOCABULARY.reply and set(data["enhanced"]) == VOCABULARY.enhanced
        for key, entry in data["reply"].items():
            assert entry["title"] and entry["summary"] and entry["next"], key
            assert entry["kind"] == PROTOCOL.code(int(key)).kind
            assert (site / entry["url"].lstrip("/") / "index.html").is_file(), entry["url"]
        for key, entry in data["enhanced"].items():
            assert entry["title"] or not PROTOCOL.enhanced_code(key).title, key  # X.6.10 has no registry title
            assert entry["summary"] and entry["next"] and set(entry["meaning"]) == {"2", "4", "5"}, key
            assert (site / entry["url"].lstrip("/") / "index.html").is_file(), entry["url"]
            assert entry["url"].startswith("/" + locale.prefix)


def test_published_data_is_what_the_content_gives_without_any_cache(site):
    # The build takes the HTML of each block from what the pages rendered; from nothing, the
    # same entries come out, byte for byte.
    prepared = prepare_site(PROJECT, Urls.create("/", SITE_URL))
    protocol = decoder_protocol(prepared.protocols)
    plain = PlainText()
    for catalog in prepared.catalogs:
        fresh = dump(Entries(protocol, catalog, prepared.urls, plain).data())
        assert (site / paths.decoder_data_path(catalog.locale)).read_bytes() == fresh, catalog.locale.tag


def test_data_urls_are_under_the_base_path(repo_site):
    for locale in LOCALES:
        data = json.loads((repo_site / paths.decoder_data_path(locale)).read_text(encoding="utf-8"))
        for entry in list(data["reply"].values()) + list(data["enhanced"].values()):
            assert entry["url"].startswith("/repo/" + locale.prefix), entry["url"]
            assert (repo_site / entry["url"][len("/repo/"):] / "index.html").is_file(), entry["url"]


class DecoderPage(HTMLParser):
    """The parts of the decoder page the tests look at."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.inline_scripts: list[dict] = []
        self.textareas: list[dict] = []
        self.labels: list[dict] = []
        self.root: dict = {}
        self.examples: list[str] = []
        self.decoder_links = 0
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            (self.scripts if attrs.get("src") else self.inline_scripts).append(attrs)
        elif tag == "textarea":
            self.textareas.append(attrs)
        elif tag == "label":
            self.labels.append(attrs)
        elif "data-decoder" in attrs:
            self.root = attrs
        if "data-example" in attrs:
            self.examples.append(attrs["data-example"])


@pytest.mark.parametrize("locale", LOCALES, ids=[locale.tag for locale in LOCALES])
def test_decoder_page_in_every_locale(site, locale):
    page = DecoderPage()
    page.feed((site / locale.prefix / paths.decoder_path() / "index.html").read_text(encoding="utf-8"))
    assert len(page.textareas) == 1
    assert any(label.get("for") == page.textareas[0]["id"] for label in page.labels)
    assert any(script["src"].startswith("/static/decoder.js") for script in page.scripts)
    assert all(script.get("type") == "application/ld+json" for script in page.inline_scripts)
    assert (site / page.root["data-grammar"]).is_file() and (site / page.root["data-entries"]).is_file()
    assert page.root["data-entries"] == paths.decoder_data_path(locale)
    for name, value in page.root.items():
        if name.startswith(("data-text-", "data-kind-", "data-step-")):
            assert value.strip(), name
    assert "{codes}" in page.root["data-text-found"] and "{code}" in page.root["data-text-link"]
    assert len(page.examples) >= 5
    for example in page.examples:
        assert found(example), example


def anchors_to(html: str, href: str) -> int:
    return len(re.findall(r'<a [^>]*href="' + re.escape(href) + r'"', html))


def test_home_and_every_code_page_link_to_the_decoder(site):
    for locale in LOCALES:
        decoder = "/" + locale.prefix + paths.decoder_path()
        home = (site / locale.prefix / "index.html").read_text(encoding="utf-8")
        assert anchors_to(home, decoder) >= 2, "home: the navigation and the page itself"
        for code in PROTOCOL.codes:
            html = (site / locale.prefix / paths.code_path(PROTOCOL, code) / "index.html").read_text(encoding="utf-8")
            assert anchors_to(html, decoder) >= 2, code.code
