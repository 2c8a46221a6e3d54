"""What search engines and link previews read: sitemap.xml with hreflang alternates, robots.txt,
canonical links, Open Graph and Twitter card metadata, and schema.org JSON-LD."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from functools import cache
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from browser_support import LOCALES, page_paths
from conftest import PROJECT, SITE_URL, run_build
from sitegen.locales import site_locale
from sitegen.seo import json_ld, og_locale, robots_txt
from sitegen.urls import output_file

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML_NS = "{http://www.w3.org/1999/xhtml}"
REPO_URL = "https://user.github.io/repo/"
ARTICLES = ("code", "enhanced", "pair")


class Head(HTMLParser):
    """The metadata of a page: title, meta tags, links and JSON-LD blocks."""

    def __init__(self):
        super().__init__()
        self.title = ""
        self.meta: dict[str, str] = {}
        self.links: list[dict] = []
        self.json_ld: list[str] = []
        self.scripts: list[dict] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in = "title"
        elif tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content", "")
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script":
            self.scripts.append(attrs)
            if attrs.get("type") == "application/ld+json":
                self._in = "json"
                self.json_ld.append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "json":
            self.json_ld[-1] += data


def head_of(path: Path) -> Head:
    parser = Head()
    parser.feed(path.read_text(encoding="utf-8").split("</head>")[0])
    return parser


@cache
def built_pages(site: Path) -> dict[str, Path]:
    """Every HTML page a search engine may list (not noindex), by its absolute URL."""
    pages = {}
    for path in site.rglob("*.html"):
        if path.parts[len(site.parts)] in ("pagefind", "static"):
            continue
        html = path.read_text(encoding="utf-8")
        if re.search(r'<meta name="robots" content="[^"]*noindex', html):
            continue
        relative = path.relative_to(site).as_posix()
        pages[SITE_URL + (relative[:-len("index.html")] if relative.endswith("index.html") else relative)] = path
    return pages


@cache
def sitemap_urls(site: Path) -> list[ElementTree.Element]:
    """The <url> entries of the sitemap, following a sitemap index if there is one."""
    root = ElementTree.parse(site / "sitemap.xml").getroot()
    if root.tag == SITEMAP_NS + "sitemapindex":
        entries = []
        for loc in root.iter(SITEMAP_NS + "loc"):
            assert loc.text.startswith(SITE_URL)
            entries += ElementTree.parse(site / loc.text[len(SITE_URL):]).getroot().findall(SITEMAP_NS + "url")
        return entries
    assert root.tag == SITEMAP_NS + "urlset"
    return root.findall(SITEMAP_NS + "url")


# ---------- sitemap and robots.txt ----------

def test_sitemap_lists_every_page_once(site):
    locs = [entry.findtext(SITEMAP_NS + "loc") for entry in sitemap_urls(site)]
    assert len(locs) == len(set(locs))
    assert set(locs) == set(built_pages(site))


def test_sitemap_leaves_out_404_and_redirect_pages(site):
    locs = {entry.findtext(SITEMAP_NS + "loc") for entry in sitemap_urls(site)}
    pages = built_pages(site)
    for url in locs:
        assert not url.endswith("404.html")
        assert 'http-equiv="refresh"' not in pages[url].read_text(encoding="utf-8")


def test_every_sitemap_entry_has_all_hreflang_alternates(site):
    tags = {locale.tag for locale in LOCALES} | {"x-default"}
    locs = {entry.findtext(SITEMAP_NS + "loc") for entry in sitemap_urls(site)}
    pages = built_pages(site)
    for entry in sitemap_urls(site):
        loc = entry.findtext(SITEMAP_NS + "loc")
        links = {link.get("hreflang"): link.get("href") for link in entry.findall(XHTML_NS + "link")}
        assert set(links) == tags, loc
        assert loc in links.values(), f"{loc} is not among its own alternates"
        assert set(links.values()) <= locs, loc
        source = links[LOCALES[0].tag]
        assert links["x-default"] == source
        # the page's own <head> lists the same alternates
        head = head_of(pages[loc])
        in_head = {link["hreflang"]: link["href"] for link in head.links if link.get("rel") == "alternate"}
        assert in_head == links, loc


def test_robots_txt_points_to_the_sitemap(site):
    lines = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {SITE_URL}sitemap.xml" in lines


def test_project_page_sitemap_stays_under_its_path(repo_site):
    root = ElementTree.parse(repo_site / "sitemap.xml").getroot()
    urls = [element.text for element in root.iter(SITEMAP_NS + "loc")]
    urls += [link.get("href") for link in root.iter(XHTML_NS + "link")]
    assert urls and all(url.startswith(REPO_URL) for url in urls)
    assert f"Sitemap: {REPO_URL}sitemap.xml" in (repo_site / "robots.txt").read_text(encoding="utf-8")


def test_robots_txt_without_a_site_url_names_no_sitemap():
    assert b"Sitemap" not in robots_txt(None)
    assert robots_txt("https://example.org/sitemap.xml").endswith(b"Sitemap: https://example.org/sitemap.xml\n")


# ---------- page metadata ----------

def sample_pages(site: Path):
    """(locale, kind, file) for one page of each type in every locale."""
    for locale in LOCALES:
        for kind, path in page_paths().items():
            if kind != "not_found":
                yield locale, kind, site / output_file(locale, path)


def test_open_graph_and_twitter_card_on_every_page_type(site):
    for locale, kind, path in sample_pages(site):
        head = head_of(path)
        canonical = next(link["href"] for link in head.links if link.get("rel") == "canonical")
        assert canonical.startswith(SITE_URL)
        assert head.meta["og:url"] == canonical, path
        assert head.meta["og:type"] == ("article" if kind in ARTICLES else "website"), path
        assert head.meta["og:title"] and head.title.startswith(head.meta["og:title"]), path
        assert head.meta["og:description"] == head.meta["description"] != "", path
        assert head.meta["og:site_name"] and head.title.endswith(head.meta["og:site_name"]), path
        assert re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", head.meta["og:locale"]), path
        assert head.meta["og:locale"].split("_")[0] == locale.tag.split("-")[0].lower()
        assert head.meta["twitter:card"] == "summary"


def test_json_ld_describes_articles_and_breadcrumbs(site):
    pages = built_pages(site)
    for locale, kind, path in sample_pages(site):
        head = head_of(path)
        assert len(head.json_ld) == 1, path
        data = json.loads(head.json_ld[0])
        assert data["@context"] == "https://schema.org"
        graph = {item["@type"]: item for item in data["@graph"]}
        canonical = head.meta["og:url"]
        if kind in ARTICLES:
            article = graph["TechArticle"]
            assert article["headline"] == head.meta["og:title"]
            assert article["url"] == canonical and article["inLanguage"] == locale.tag
            assert article["description"] == head.meta["description"]
        else:
            assert "TechArticle" not in graph
        if kind == "home":
            assert graph["WebSite"]["potentialAction"]["@type"] == "SearchAction"
            assert "BreadcrumbList" not in graph
            continue
        crumbs = graph["BreadcrumbList"]["itemListElement"]
        assert [item["position"] for item in crumbs] == list(range(1, len(crumbs) + 1))
        assert crumbs[0]["item"] == SITE_URL + locale.prefix
        assert crumbs[-1]["item"] == canonical
        assert all(item["item"] in pages and item["name"] for item in crumbs), path


def test_pages_without_content_of_their_own_have_no_structured_data(site):
    for locale in LOCALES:
        head = head_of(site / output_file(locale, "404.html"))
        assert head.json_ld == [] and head.meta["robots"] == "noindex"


def test_og_locale_has_a_territory():
    assert og_locale(site_locale("en")) == "en_US"
    assert og_locale(site_locale("tr")) == "tr_TR"
    assert og_locale(site_locale("pt_BR")) == "pt_BR"
    assert og_locale(site_locale("ar")).startswith("ar_")


# ---------- JSON-LD cannot break out of its <script> ----------

HOSTILE = "Mailbox </script><script>alert(1)</script> <!-- & \u2028 unavailable"


def test_json_ld_escapes_what_could_end_the_script():
    block = str(json_ld({"name": HOSTILE, "nested": [{"x": "</SCRIPT >"}]}))
    inner = block[len('<script type="application/ld+json">'):-len("</script>")]
    assert "<" not in inner and ">" not in inner and "\u2028" not in inner
    assert json.loads(inner) == {"name": HOSTILE, "nested": [{"x": "</SCRIPT >"}]}


def test_hostile_content_stays_inside_json_ld(project_copy):
    for catalog in (project_copy / "locales").glob("*.po"):
        catalog.unlink()  # English is enough here, and much faster to build
    code_file = next(iter(sorted((project_copy / "content" / "smtp" / "codes").glob("5*.toml"))))
    text = code_file.read_text(encoding="utf-8")
    code_file.write_text(re.sub(r'^title = ".*"$', f'title = "{HOSTILE}"', text, count=1, flags=re.M),
                         encoding="utf-8")
    result = run_build(project_copy, "--out", str(project_copy / "site"), "--quiet", "--site-url", SITE_URL)
    assert result.returncode == 0, result.stderr
    page = project_copy / "site" / "smtp" / code_file.stem / "index.html"
    html = page.read_text(encoding="utf-8")
    head = head_of(page)
    assert [s.get("type") for s in head.scripts if "src" not in s] == ["application/ld+json"]
    assert "<script>alert" not in html
    data = json.loads(head.json_ld[0])
    article = next(item for item in data["@graph"] if item["@type"] == "TechArticle")
    assert HOSTILE.replace("\u2028", " ").split()[0] in article["headline"]
    assert "</script><script>alert(1)</script>" in unescape(article["headline"])


# ---------- the publishing workflow ----------

def test_pages_workflow_builds_with_what_configure_pages_reports():
    workflow = (PROJECT / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    for step in ("actions/checkout@", "actions/setup-python@", "actions/configure-pages@",
                 "actions/upload-pages-artifact@", "actions/deploy-pages@"):
        assert f"uses: {step}" in workflow, step
    assert re.search(r"id: pages\n\s+uses: actions/configure-pages@", workflow)
    assert ('python build.py --site-url "${{ steps.pages.outputs.base_url }}" '
            '--base-url "${{ steps.pages.outputs.base_path }}/"') in workflow
    assert re.search(r"upload-pages-artifact@\S+\n\s+with:\n\s+path: site\n", workflow)
    assert re.search(r"permissions:\n(\s+\S+: \S+\n)*\s+pages: write\n(\s+\S+: \S+\n)*\s+id-token: write", workflow)
    assert re.search(r"concurrency:\n\s+group: \S+", workflow)
    assert re.search(r"on:\n\s+push:\n\s+branches: \[main\]", workflow)
