"""Command-line interface of build.py."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from .commands.build import BuildOptions, run_build
from .errors import BuildError

COMMANDS = ("build", "serve", "i18n", "explain", "bench")


def parser(project: Path) -> argparse.ArgumentParser:
    """The argument parser for every command."""
    main = argparse.ArgumentParser(
        prog="build.py",
        description="Build the SMTP reply code reference: one page per code and per pair of codes, "
                    "in every language found in locales/.",
        epilog="Without a command, 'build' runs. Use 'build.py COMMAND --help' for a command's options.",
    )
    commands = main.add_subparsers(dest="command", metavar="COMMAND")
    build = commands.add_parser("build", help="build the site (the default)")
    add_build_options(build, project)
    serve = commands.add_parser("serve", help="build the site, preview it on a local web server and rebuild it "
                                              "whenever content, templates, catalogs or static files change")
    add_build_options(serve, project)
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument("--no-watch", action="store_true", help="serve the site as built, without rebuilding on "
                                                               "changes")
    i18n = commands.add_parser("i18n", help="translator workflow: extract, update or coverage")
    i18n.add_argument("action", choices=("extract", "update", "coverage"),
                      help="extract: write locales/messages.pot from templates and content; "
                           "update: extract, then merge it into every locales/*.po; "
                           "coverage: print how much of each locale is translated")
    explain = commands.add_parser(
        "explain", help="explain the SMTP reply codes in a reply, log line or bounce message",
        description="Find every SMTP reply code and enhanced status code in the text and print what each "
                    "means, whether it is transient or permanent, what to do next and its page. Reads "
                    "standard input when no text or '-' is given. Exit status: 0 when codes were found, "
                    "1 when none were, 2 on an error.")
    explain.add_argument("text", nargs="*", help="the text to decode (quote it); several arguments are joined "
                                                 "with spaces")
    explain.add_argument("--json", action="store_true", help="print the findings as JSON")
    explain.add_argument("--base-url", metavar="PATH", default=None,
                         help="URL path the site is served under, for the printed page links (default: /)")
    explain.add_argument("--site-url", metavar="URL", default=None,
                         help="absolute address of the site, to print absolute page links")
    bench = commands.add_parser(
        "bench", help="measure build speed: the real site and a synthetic scale set (takes minutes)",
        description="Build a copy of the site and a generated scale set of about 100,000 pages, several "
                    "times, and report pages, time, pages per second, peak memory, the ratio to an I/O floor "
                    "(writing the same files), and rebuilds with nothing changed and after one edit. Results "
                    "also go to .cache/bench/results.json.")
    bench.add_argument("--runs", type=int, default=3, help="runs of each measurement; medians are reported "
                                                           "(default: 3; 2 for sets above 50,000 pages)")
    bench.add_argument("--scale", type=int, nargs="*", default=[100_000], metavar="PAGES",
                       help="sizes of the synthetic scale sets, in pages across all locales (default: 100000); "
                            "none to skip them")
    bench.add_argument("--no-real", action="store_true", help="skip the real site")
    bench.add_argument("--search", action="store_true",
                       help="also build the search index of the scale sets (always built for the real site)")
    bench.add_argument("--jobs", type=int, default=0, metavar="N", help="worker processes (default: one per core)")
    bench.add_argument("--no-hugo", action="store_true", help="skip the comparison with Hugo (made when hugo is "
                                                               "installed: apt-get install hugo)")
    return main


def add_build_options(command: argparse.ArgumentParser, project: Path) -> None:
    """Options shared by every command that builds."""
    command.add_argument("--out", type=Path, default=project / "site", metavar="DIR",
                         help="folder to write the site into (default: site/)")
    command.add_argument("--base-url", metavar="PATH", default=None,
                         help="URL path the site is served under: '/' (default) for a domain of its own, "
                              "'/repo/' for a GitHub project page")
    command.add_argument("--site-url", metavar="URL", default=None,
                         help="absolute address of the site, e.g. https://example.github.io/repo/, "
                              "for canonical links and the sitemap; its path is the base URL unless "
                              "--base-url is given")
    command.add_argument("--jobs", type=int, default=0, metavar="N",
                         help="worker processes for rendering (default: one per CPU core)")
    command.add_argument("--quiet", action="store_true", help="print nothing but errors and warnings")
    command.add_argument("--no-search", action="store_true",
                         help="leave the search index as it is (quicker); the next build without this option "
                              "brings it up to date")


def interrupt(signum, frame) -> None:
    """SIGTERM stops build.py as Ctrl+C does: a build puts the site back as it was."""
    raise KeyboardInterrupt


def main(argv: list[str], project: Path) -> int:
    """Run build.py with ``argv``; returns the exit code."""
    signal.signal(signal.SIGTERM, interrupt)
    if not argv or argv[0] not in COMMANDS and argv[0] not in ("-h", "--help"):
        argv = ["build", *argv]
    args = parser(project).parse_args(argv)
    try:
        if args.command == "i18n":
            from .commands.i18n import run_i18n
            return run_i18n(project, args.action)
        if args.command == "bench":
            from .commands.bench import run_bench
            return run_bench(project, runs=max(1, args.runs), scales=tuple(args.scale), real=not args.no_real,
                             search_everywhere=args.search, jobs=args.jobs, hugo=not args.no_hugo)
        if args.command == "explain":
            from .commands.explain import run_explain
            return run_explain(project, args.text, as_json=args.json, base_url=args.base_url,
                               site_url=args.site_url)
        options = BuildOptions(project=project, out=args.out.resolve(), base_url=args.base_url,
                               site_url=args.site_url, jobs=args.jobs, quiet=args.quiet, search=not args.no_search)
        if args.command == "serve":
            from .commands.serve import run_serve
            return run_serve(options, args.port, watch=not args.no_watch)
        run_build(options)
        return 0
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2 if args.command == "explain" else 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
