"""The benchmark: ``python build.py bench``.

It builds a copy of the project (so that its edits never touch the real one) and a
synthetic scale set it generates (the real content plus enough cloned reply codes that
the pair pages bring the site to about 100,000 pages across all locales), and reports for
each: pages, wall time, pages per second, peak memory and the ratio to an I/O floor
measured in the same run (writing the same bytes to the same paths, one file after the
other, in a fresh folder). It also times a rebuild with nothing changed, a rebuild after
editing one content file (a reply code) and one after editing one catalog. When Hugo is
installed (Debian: ``apt-get install hugo``), it also builds the real site's pages with
Hugo for comparison: each page's ``<main>`` as a content file, the shell as a layout. Search
indexing (Pagefind) is timed on its own and is not part of the build times; it runs on
the real site only, unless ``--search`` asks for it everywhere.

Each build runs as its own process (``build.py`` as a user runs it), so times include
starting Python. Memory is the sum of the proportional set sizes (PSS) of the build's
processes (the main process and its workers; the search indexer is reported apart),
sampled every 50 ms. Results go to the terminal and to ``.cache/bench/results.json``.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..output import write_new

PARTS = ("build.py", "babel.cfg", "sitegen", "content", "templates", "locales", "static")
BUILD = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import sitegen.commands.build as build
if sys.argv[4] == "no-search":
    build.POST_STEPS = tuple(s for s in build.POST_STEPS if s.__name__ not in build.SEARCH_STEPS)
report = build.run_build(build.BuildOptions(project=Path(sys.argv[1]), out=Path(sys.argv[2]), jobs=int(sys.argv[3]),
                                            quiet=True))
print("REPORT " + json.dumps(report))
"""


@dataclass
class Measure:
    """One build, as the benchmark saw it."""

    wall: float
    build: float
    search: float
    pages: int
    written: int
    memory_mib: float
    largest_mib: float
    search_mib: float
    cpu: float
    report: dict = field(default_factory=dict)


def copy_project(source: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for part in PARTS:
        path = source / part
        if path.is_dir():
            shutil.copytree(path, target / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif path.exists():
            shutil.copy2(path, target / part)
    return target


# --- memory: the build's process tree, sampled ----------------------------------------------

def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return found


def tree_of(pid: int) -> list[int]:
    pids, index = [pid], 0
    while index < len(pids):
        pids.extend(children_of(pids[index]))
        index += 1
    return pids


def memory_of(pid: int) -> tuple[int, int, str]:
    """(PSS, RSS) in KiB and the command name of one process."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
        with open(f"/proc/{pid}/comm") as handle:
            name = handle.read().strip()
    except OSError:
        return 0, 0, ""
    return pss, rss, name


class MemoryWatch(threading.Thread):
    """Samples the memory of a process tree until stopped.

    Watching costs CPU the build would otherwise have (reading ``smaps_rollup`` walks a
    process's pages; finding children reads every ``/proc/*/stat``), so the tree is looked
    up again only every ``rescan`` samples: workers and Pagefind live far longer than that.
    """

    def __init__(self, pid: int, interval: float = 0.05, rescan: int = 5):
        super().__init__(daemon=True)
        self.pid, self.interval, self.rescan = pid, interval, rescan
        self.peak = self.largest = self.search = 0
        self._halt = threading.Event()

    def run(self) -> None:
        samples, pids = 0, []
        while not self._halt.is_set():
            if samples % self.rescan == 0:
                pids = tree_of(self.pid)
            samples += 1
            total = 0
            for pid in pids:
                pss, rss, name = memory_of(pid)
                if name.startswith("pagefind"):
                    self.search = max(self.search, pss)
                    continue
                total += pss
                self.largest = max(self.largest, rss)
            self.peak = max(self.peak, total)
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def run_build(project: Path, out: Path, jobs: int, search: bool) -> Measure:
    """Build ``project`` into ``out`` in a new process; its time, memory and report."""
    command = [sys.executable, "-c", BUILD, str(project), str(out), str(jobs), "search" if search else "no-search"]
    os.sync()  # start with no dirty pages waiting to be written, as the I/O floor does
    before = os.times()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=project,
                               env={k: v for k, v in os.environ.items() if k != "CI"})
    watch = MemoryWatch(process.pid)
    watch.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    watch.stop()
    after = os.times()
    if process.returncode != 0:
        raise RuntimeError(f"the build failed:\n{stderr[-3000:]}")
    line = next(line for line in stdout.splitlines() if line.startswith("REPORT "))
    report = json.loads(line[7:])
    search_seconds = sum(report["phases"].get(name, 0.0) for name in ("write_search_index",))
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return Measure(wall=wall, build=wall - search_seconds, search=search_seconds, pages=report["pages"],
                   written=report["written"], memory_mib=watch.peak / 1024, largest_mib=watch.largest / 1024,
                   search_mib=watch.search / 1024, cpu=cpu, report=report)


# --- the I/O floor --------------------------------------------------------------------------

def io_floor(site: Path, target: Path, batch_bytes: int = 64 << 20) -> tuple[float, int, int]:
    """Seconds to write the site's files (except the search index) into a fresh folder.

    Files are read in batches first, so only writing is timed: one file after the other,
    creating folders as needed, as the simplest possible generator would.
    """
    shutil.rmtree(target, ignore_errors=True)
    files = []
    for folder, folders, names in os.walk(site):
        relative = os.path.relpath(folder, site)
        if relative.split(os.sep)[0] == "pagefind":
            folders[:] = []
            continue
        files.extend(os.path.normpath(os.path.join(relative, name)) for name in names)
    files.sort()
    seconds, total = 0.0, 0
    target.mkdir(parents=True)
    os.sync()
    index = 0
    while index < len(files):
        batch, size = [], 0
        while index < len(files) and size < batch_bytes:
            with open(os.path.join(site, files[index]), "rb") as handle:
                data = handle.read()
            batch.append((os.path.join(target, files[index]), data))
            size += len(data)
            index += 1
        started = time.perf_counter()
        for path, data in batch:
            write_new(path, data)
        seconds += time.perf_counter() - started
        total += size
    shutil.rmtree(target, ignore_errors=True)
    return seconds, len(files), total


# --- edits ----------------------------------------------------------------------------------

def edit_code(project: Path, number: int) -> str:
    """Add one sentence to a Markdown field of one reply code; returns the file's name."""
    codes = sorted((project / "content/smtp/codes").glob("*.toml"))
    path = codes[len(codes) // 2]
    text = path.read_text(encoding="utf-8")
    marker = "Benchmark edit number "
    text = re.sub(marker + r"\d+\.\n\n", "", text)
    text, count = re.subn(r"^((?:when|description|use) = (?:'''|\"\"\")\n)", r"\g<1>" + f"{marker}{number}.\n\n",
                          text, count=1, flags=re.M)
    if not count:
        raise RuntimeError(f"no multi-line Markdown field to edit in {path}")
    path.write_text(text, encoding="utf-8")
    return path.name


def edit_catalog(project: Path, number: int) -> str | None:
    """Change one translation of one catalog; returns the file's name."""
    catalogs = sorted((project / "locales").glob("*.po"))
    if not catalogs:
        return None
    path = catalogs[0]
    text = path.read_text(encoding="utf-8")
    match = re.search(r'^msgid "Home"\nmsgstr "([^"\n]*)"$', text, flags=re.M)
    if match is None:
        return None
    value = re.sub(r" \(\d+\)$", "", match.group(1)) or "Home"
    path.write_text(text.replace(match.group(0), f'msgid "Home"\nmsgstr "{value} ({number})"', 1), encoding="utf-8")
    return path.name


# --- the synthetic scale set ----------------------------------------------------------------

def pages_for(codes: int, enhanced: int, locales: int, fixed: int = 6) -> int:
    return locales * (fixed + codes + codes * (codes - 1) // 2 + 4 * enhanced)


def make_scale_set(source: Path, target: Path, pages: int) -> tuple[Path, int]:
    """The project with extra reply codes, cloned from the real ones, to reach about ``pages``."""
    project = copy_project(source, target)
    codes_dir = project / "content/smtp/codes"
    originals = sorted(codes_dir.glob("*.toml"))
    enhanced = len(list((project / "content/smtp/enhanced").glob("*.toml")))
    locales = 1 + len(list((project / "locales").glob("*.po")))
    count = len(originals)
    while pages_for(count + 1, enhanced, locales) <= pages:
        count += 1
    used = {int(p.stem) for p in originals}
    free = [n for n in range(200, 600) if n not in used and n % 100 < 100]
    for index in range(count - len(originals)):
        original = originals[index % len(originals)]
        klass = int(original.stem) // 100
        number = next((n for n in free if n // 100 == klass), None) or free[0]
        free.remove(number)
        text = original.read_text(encoding="utf-8")
        text = re.sub(r"^code = \d+", f"code = {number}", text, count=1, flags=re.M)
        text = re.sub(r'^title = "(.*)"', lambda m: f'title = "{m.group(1)} (variant {number})"', text, count=1,
                      flags=re.M)
        (codes_dir / f"{number}.toml").write_text(text, encoding="utf-8")
    return project, pages_for(count, enhanced, locales)


# --- running it all -------------------------------------------------------------------------

def machine() -> dict:
    memory = ""
    try:
        memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()[1].split()[1]
    except (OSError, IndexError):
        pass
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ()
    return {"cores": os.cpu_count(), "cpu": cpu, "memory": memory, "python": platform.python_version(),
            "system": platform.platform(), "load_average": [round(x, 2) for x in load]}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def scenario(name: str, project: Path, work: Path, runs: int, jobs: int, search: bool, say,
             hugo: bool = False) -> dict:
    """Full builds, rebuilds with nothing changed and after one edit, for one project."""
    out = work / "out" / "site"
    results: dict = {"name": name, "runs": runs}
    full, floors, warm, nothing, edits, catalogs = [], [], [], [], [], []
    for run in range(runs):
        shutil.rmtree(out.parent, ignore_errors=True)
        shutil.rmtree(project / ".cache", ignore_errors=True)
        measure = run_build(project, out, jobs, search)
        floor, files, size = io_floor(out, work / "floor")
        full.append(measure)
        floors.append(floor)
        say(f"  {name}: full build {measure.build:.2f} s for {measure.pages:,} pages ({files:,} files, "
            f"{size / 2**20:,.0f} MiB); I/O floor {floor:.2f} s; ratio {measure.build / floor:.2f}; "
            f"memory {measure.memory_mib:.0f} MiB" + (f"; search {measure.search:.2f} s" if measure.search else ""))
        results["files"], results["bytes"] = files, size
    for run in range(runs):
        measure = run_build(project, out, jobs, search)
        nothing.append(measure)
        say(f"  {name}: nothing changed {measure.build:.3f} s, {measure.written} files written")
    for run in range(runs):
        changed = edit_code(project, run)
        measure = run_build(project, out, jobs, search)
        edits.append(measure)
        say(f"  {name}: edited {changed}: {measure.build:.2f} s, {measure.written:,} files written"
            + (f"; search {measure.search:.2f} s" if measure.search else ""))
    for run in range(runs):
        changed = edit_catalog(project, run)
        if changed is None:
            break
        measure = run_build(project, out, jobs, search)
        catalogs.append(measure)
        say(f"  {name}: edited {changed}: {measure.build:.2f} s, {measure.written:,} files written")
    if hugo:
        results["hugo"] = hugo_comparison(out, work, runs, say)
    shutil.rmtree(out.parent, ignore_errors=True)
    measure = run_build(project, out, jobs, search)  # no site, but parsed catalogs and Markdown cached
    warm.append(measure)
    say(f"  {name}: full build with the cache of parsed inputs already filled {measure.build:.2f} s")
    shutil.rmtree(project / ".cache", ignore_errors=True)
    shutil.rmtree(out.parent, ignore_errors=True)

    def summary(items: list[Measure]) -> dict:
        return {"build_s": round(median([m.build for m in items]), 3),
                "all_build_s": [round(m.build, 3) for m in items],
                "wall_s": round(median([m.wall for m in items]), 3),
                "search_s": round(median([m.search for m in items]), 3),
                "cpu_s": round(median([m.cpu for m in items]), 3),
                "written": [m.written for m in items],
                "memory_mib": round(max(m.memory_mib for m in items), 1),
                "largest_process_mib": round(max(m.largest_mib for m in items), 1),
                "search_memory_mib": round(max(m.search_mib for m in items), 1)} if items else {}

    pages = full[0].pages
    results.update({
        "pages": pages,
        "full": summary(full), "floor_s": round(median(floors), 3), "all_floor_s": [round(f, 3) for f in floors],
        "nothing_changed": summary(nothing),
        "content_edit": summary(edits),
        "catalog_edit": summary(catalogs), "full_warm_cache": summary(warm),
    })
    full_s = results["full"]["build_s"]
    results["pages_per_s"] = round(pages / full_s, 1)
    results["ratio_to_floor"] = round(median([m.build / f for m, f in zip(full, floors)]), 2)
    for key in ("nothing_changed", "content_edit", "catalog_edit"):
        if results[key]:
            results[key]["share_of_full"] = round(results[key]["build_s"] / full_s, 3)
    return results


def run_bench(project: Path, runs: int = 3, scales: tuple[int, ...] = (100_000,), real: bool = True,
              search_everywhere: bool = False, jobs: int = 0, hugo: bool = True) -> int:
    """Run the benchmark; prints a table and writes .cache/bench/results.json."""
    work = project / ".cache" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    jobs = jobs or os.cpu_count() or 1
    say = lambda text: print(text, flush=True)  # noqa: E731
    facts = machine()
    say(f"Machine: {facts['cores']} cores ({facts['cpu']}), {facts['memory']} memory, Python {facts['python']}, "
        f"load average {facts['load_average']}")
    results = {"machine": facts, "jobs": jobs, "scenarios": []}
    if real:
        say("Real site:")
        copy = copy_project(project, work / "real" / "project")
        results["scenarios"].append(scenario("real", copy, work / "real", runs, jobs, True, say, hugo=hugo))
    for pages in scales:
        copy, expected = make_scale_set(project, work / f"scale-{pages}" / "project", pages)
        say(f"Synthetic scale set, about {expected:,} pages:")
        results["scenarios"].append(scenario(f"scale-{pages}", copy, work / f"scale-{pages}",
                                             max(1, runs - 1) if pages > 50_000 else runs, jobs,
                                             search_everywhere, say))
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    (work / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    say("")
    say(table(results))
    for item in results["scenarios"]:
        if item.get("hugo"):
            say(f"\nHugo ({item['hugo']['version'].split()[1]}), the same {item['hugo']['pages']:,} pages "
                f"(each page's <main> as content, the shell as a layout): {item['hugo']['seconds']:.2f} s; "
                f"this build: {item['full']['build_s']:.2f} s "
                f"({item['full']['build_s'] / item['hugo']['seconds']:.2f} x Hugo's time)")
    say(f"\nDetails: {work / 'results.json'}")
    return 0


def table(results: dict) -> str:
    rows = ["| set | pages | full build | pages/s | I/O floor | ratio | peak memory | nothing changed | "
            "one code edited | one catalog edited | search index |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for item in results["scenarios"]:
        def share(key):
            entry = item.get(key) or {}
            if not entry:
                return "–"
            return f"{entry['build_s']:.2f} s ({100 * entry['share_of_full']:.1f} %)"
        search = item["full"]["search_s"]
        rows.append(f"| {item['name']} | {item['pages']:,} | {item['full']['build_s']:.2f} s | "
                    f"{item['pages_per_s']:,.0f} | {item['floor_s']:.2f} s | {item['ratio_to_floor']:.2f} | "
                    f"{item['full']['memory_mib']:.0f} MiB | {share('nothing_changed')} | {share('content_edit')} | "
                    f"{share('catalog_edit')} | {f'{search:.2f} s' if search else '–'} |")
    return "\n".join(rows)


# --- Hugo, for comparison ---------------------------------------------------------------------

HUGO_CONFIG = """baseURL = "https://codes.example.org/"
disableKinds = ["home", "section", "taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[markup.goldmark.renderer]
unsafe = true
"""

# The same shell as templates/base.html: head with every alternate, header with the
# navigation and the language switcher, footer; the page's own <main> is the content.
HUGO_LAYOUT = """<!DOCTYPE html>
<html lang="{{ .Params.lang }}" dir="{{ .Params.dir }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · SMTP Reply Codes</title>
<meta name="description" content="{{ .Description }}">
<link rel="canonical" href="{{ .Site.BaseURL }}{{ .Params.prefix }}{{ .Params.path }}">
{{ $page := . }}{{ range .Site.Data.languages.list }}<link rel="alternate" hreflang="{{ .tag }}" href="{{ $page.Site.BaseURL }}{{ .prefix }}{{ $page.Params.path }}">
{{ end }}<link rel="alternate" hreflang="x-default" href="{{ .Site.BaseURL }}{{ .Params.path }}">
<meta property="og:title" content="{{ .Title }}">
<meta property="og:description" content="{{ .Description }}">
<meta property="og:url" content="{{ .Site.BaseURL }}{{ .Params.prefix }}{{ .Params.path }}">
<link rel="stylesheet" href="/static/style.css">
<script src="/static/site.js" defer></script>
</head>
<body data-locale="{{ .Params.lang }}">
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header"><div class="wrap header-row">
<a class="brand" href="/{{ .Params.prefix }}">SMTP Reply Codes</a>
<nav class="main-nav"><ul><li><a href="/{{ .Params.prefix }}smtp/">Reply codes</a></li><li><a href="/{{ .Params.prefix }}smtp/enhanced/">Enhanced codes</a></li><li><a href="/{{ .Params.prefix }}decode/">Decoder</a></li></ul></nav>
<details class="language-switcher"><summary>{{ .Params.lang }}</summary><ul>
{{ range .Site.Data.languages.list }}<li><a href="/{{ .prefix }}{{ $page.Params.path }}" hreflang="{{ .tag }}" lang="{{ .tag }}">{{ .name }}</a></li>
{{ end }}</ul></details>
</div></header>
<main id="main" class="wrap">
{{ .Content }}
</main>
<footer class="site-footer"><div class="wrap"><p>Explanations written for this site from the standards.</p>
<p><a href="/{{ .Params.prefix }}translations/">Translations</a> · <a href="/api/smtp.json">SMTP data (JSON)</a></p></div></footer>
</body>
</html>
"""


def hugo_comparison(site: Path, work: Path, runs: int, say) -> dict:
    """Build the same pages with Hugo: each page's <main> as content, the shell as a layout."""
    hugo = shutil.which("hugo")
    if hugo is None:
        say("  Hugo is not installed (on Debian: apt-get install hugo); no comparison")
        return {}
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
    project = work / "hugo"
    shutil.rmtree(project, ignore_errors=True)
    (project / "content" / "p").mkdir(parents=True)
    (project / "layouts" / "_default").mkdir(parents=True)
    (project / "data").mkdir()
    (project / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (project / "layouts" / "_default" / "single.html").write_text(HUGO_LAYOUT, encoding="utf-8")
    languages, count = {}, 0
    main = re.compile(r"<main[^>]*>(.*)</main>", re.S)
    for path in sorted(site.rglob("index.html")):
        relative = path.relative_to(site).as_posix()
        if relative.startswith("pagefind/"):
            continue
        html = path.read_text(encoding="utf-8")
        found = main.search(html)
        head = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', html)
        title = re.search(r"<title>(.*?)</title>", html, re.S)
        if not (found and head and title):
            continue
        url = "/" + relative[: -len("index.html")]
        lang = head.group(1)
        prefix = "" if lang == "en" else lang.lower() + "/"
        path_in_locale = url[1 + len(prefix):] if url[1:].startswith(prefix) else url[1:]
        languages.setdefault(lang, prefix)
        front = {"title": title.group(1).split(" · ")[0], "description": "", "url": url, "lang": lang,
                 "dir": head.group(2), "prefix": prefix, "path": path_in_locale}
        (project / "content" / "p" / f"{count}.html").write_text(
            "---\n" + json.dumps(front, ensure_ascii=False) + "\n---\n" + found.group(1), encoding="utf-8")
        count += 1
    (project / "data" / "languages.json").write_text(json.dumps(
        {"list": [{"tag": tag, "prefix": prefix, "name": tag} for tag, prefix in sorted(languages.items())]}),
        encoding="utf-8")
    times = []
    for run in range(runs):
        out = work / "hugo-out"
        shutil.rmtree(out, ignore_errors=True)
        started = time.perf_counter()
        result = subprocess.run([hugo, "--quiet", "--source", str(project), "--destination", str(out)],
                                capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if result.returncode != 0:
            say(f"  Hugo failed: {result.stderr[-500:]}")
            return {}
        pages = sum(1 for _ in out.rglob("index.html"))
        say(f"  Hugo: {pages:,} pages in {times[-1]:.2f} s")
    shutil.rmtree(work / "hugo-out", ignore_errors=True)
    shutil.rmtree(project, ignore_errors=True)
    return {"version": version, "pages": count, "seconds": round(median(times), 3),
            "all_seconds": [round(t, 3) for t in times]}
