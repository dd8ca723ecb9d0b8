"""The `askclinic` command. Each sub-command's docstring is its --help text."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time

from . import __version__
from .config import Settings, load_settings
from .errors import AskclinicError, IngestError
from .files import json_lines
from .models import Status
from .redflags import CATEGORIES


def _embedder(settings: Settings):
    from .embedding import get_embedder

    return get_embedder(settings)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _input_error(e: IngestError) -> int:
    """A file named on the command line cannot be read: one line naming it and the fix."""
    print(f"askclinic: {e}", file=sys.stderr)
    return 1


def cmd_index(args, settings: Settings) -> int:
    """Build or update the index from article folders and files (.md .html .txt .jsonl).
    Only new or changed articles are embedded; articles no longer in SOURCES are dropped."""
    from .update import update_index

    result = update_index(
        args.sources,
        settings,
        rebuild=args.rebuild,
        wait=args.wait,
        log=_log,
        on_read=lambda n, skipped: print(f"{n:,} indexed, {skipped:,} skipped"),
    )
    report = result.build
    print(report.summary())
    print(
        f"{report.chunks:,} passages, {report.embedded:,} embedded in this run "
        f"(and {report.sentences_embedded:,} sentences); {result.outcome} "
        f"in {settings.index} ({report.seconds:.1f} s)"
    )
    if result.golden_error is not None:
        raise result.golden_error
    for line in result.golden_lines():
        print(line)
    return 1 if args.strict and result.problems else 0


def cmd_sync(args, settings: Settings) -> int:
    """Import new and changed posts from the clinic's site into the articles folder as
    Markdown, then update the index. SOURCE: an RSS/Atom feed (URL or file), a sitemap.xml
    URL (sitemap indexes too), or a WordPress export file. Only pages on the same site as
    SOURCE are fetched; re-running fetches only what changed."""
    from .fetch import Limits
    from .update import run_sync

    report, _, _ = run_sync(
        args.source,
        settings,
        articles=args.articles,
        prune=args.prune,
        force=args.force,
        only=args.only,
        wait=args.wait,
        limits=Limits.from_settings(settings, args.delay),
        log=_log,
    )
    return 1 if args.strict and (report.failed or report.stopped) else 0


def _print_answer(ans) -> None:
    bold, off = ("\033[1m", "\033[0m") if sys.stdout.isatty() else (">>", "<<")
    print(ans.message)
    for item in ans.check or []:
        print(f"  --check {item['id']}: {item['label']}")
    if ans.check:
        print("  --check none: none of these (show the answer)")
    if ans.notice:
        print(ans.notice)
    for ex in ans.excerpts:
        print(f"\n[{ex.n}] {ex.title}" + (f" ({ex.published})" if ex.published else ""))
        if ex.url:
            print(f"    {ex.url}")
        text = ex.text
        for h in ex.highlights:
            text = text.replace(h, f"{bold}{h}{off}", 1)
        print(textwrap.indent(textwrap.fill(" ".join(text.split()), 96), "    "))


BATCH_SHAPE = '{"id": ..., "question": ...}'


def _read_batch(path: str) -> list[dict | str]:
    """Per line of a --batch file, in order: the question object, or for a bad line the
    message it gets. A missing or unreadable file is an IngestError."""
    items: list[dict | str] = []
    problems: list[str] = []  # bad lines json_lines skipped, noted as it reads
    for n, obj in json_lines(path, BATCH_SHAPE, problems):
        items += [f"{path} {p}" for p in problems]
        problems.clear()
        items.append(obj if "question" in obj else f"{path} line {n}: expected {BATCH_SHAPE}")
    return items + [f"{path} {p}" for p in problems]


def cmd_ask(args, settings: Settings) -> int:
    """Answer a question with cited excerpts from the index (or every line of --batch FILE,
    a JSON Lines file of {"id": ..., "question": ...})."""
    from .answer import ask
    from .index import load_index
    from .retrieve import Retriever

    if not args.question and not args.batch:
        raise AskclinicError("give a question, or --batch FILE")
    try:
        batch = _read_batch(args.batch) if args.batch else None
    except IngestError as e:
        return _input_error(e)
    embedder = _embedder(settings) if args.retriever != "bm25" else None
    retriever = Retriever(load_index(settings.index, settings.model), embedder)

    def one(question: str, qid=None):
        ans = ask(question, retriever, settings, mode=args.retriever, check=args.check)
        ans.id = qid
        return ans

    if batch is not None:
        for item in batch:
            out = (
                one(str(item["question"]), item.get("id")).to_dict()
                if isinstance(item, dict)
                else {
                    "id": None,
                    "question": None,
                    "status": Status.INVALID,
                    "message": item,
                    "excerpts": [],
                    "ranking": [],
                }
            )
            print(json.dumps(out, ensure_ascii=False), flush=True)
        return 0
    ans = one(" ".join(args.question))
    if args.json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False))
    else:
        _print_answer(ans)
    return 0


def cmd_eval(args, settings: Settings) -> int:
    """Score retrieval on a question file (dev_questions.jsonl format): nDCG@10, MRR@10,
    success@1/@5, abstentions and latency, per question set."""
    from .answer import ask
    from .evaluate import evaluate, format_table, read_questions
    from .index import load_index
    from .retrieve import Retriever

    try:
        questions = read_questions(args.questions)[: args.limit or None]
    except IngestError as e:
        return _input_error(e)
    embedder = _embedder(settings) if args.retriever != "bm25" else None
    index = load_index(settings.index, settings.model)
    retriever = Retriever(index, embedder)
    if embedder is not None:
        embedder.encode(["warm up"])
    started = time.time()
    results = evaluate(
        questions, lambda q: ask(q, retriever, settings, mode=args.retriever, with_highlights=False)
    )
    print(format_table(results, args.retriever))
    print(
        f"{len(questions):,} questions in {time.time() - started:.1f} s; index "
        f"{index.version} ({len(index.chunks):,} passages)"
    )
    if args.json:
        print(json.dumps(results))
    return 0


def cmd_serve(args, settings: Settings) -> int:
    """Start the web server: the patient chat at /, the widget at /widget, the staff console
    at /staff, the JSON API at /api/ask and /healthz."""
    from .web.server import serve

    if args.sync_every and not args.sync:
        raise AskclinicError("--sync-every needs --sync SOURCE (a feed or sitemap URL)")
    if args.sync:  # sync in the background now and every --sync-every
        from .update import parse_every, start_scheduler

        start_scheduler(
            args.sync, settings, parse_every(args.sync_every or "6h"), embedder=_embedder(settings), log=_log
        )
    serve(settings, host=args.host, port=args.port)
    return 0


def _read_password(args) -> str:
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise AskclinicError("no terminal to ask for the password on; use --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise AskclinicError("the two passwords differ; nothing was changed")
    return first


def cmd_staff(args, settings: Settings) -> int:
    """Manage staff console users: add NAME, passwd NAME, remove NAME, list. Passwords are
    read from the terminal, or one line from standard input with --password-stdin."""
    from .log import Log

    log = Log.in_folder(settings.data_path)
    if args.action != "list" and not args.name:
        raise AskclinicError(f"askclinic staff {args.action} needs a NAME")
    if args.action in ("add", "passwd"):
        log.add_staff(args.name, _read_password(args), replace=args.action == "passwd")
        print(
            f"staff user {args.name} {'added' if args.action == 'add' else 'has a new password'} ({log.path})"
        )
    elif args.action == "remove":
        if not log.remove_staff(args.name):
            raise AskclinicError(f"no staff user {args.name!r}")
        print(f"staff user {args.name} removed")
    else:
        for name, created, last in log.staff():
            print(f"{name}\tadded {created}\tlast sign-in {last or 'never'}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="askclinic", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"askclinic {__version__}")
    p.add_argument("--index", help="index folder (default ./index, or ASKCLINIC_INDEX)")
    p.add_argument("--model", help="embedding model name or path (ASKCLINIC_MODEL)")
    sub = p.add_subparsers(dest="command", required=True)
    _index_options(_subcommand(sub, "index", cmd_index))
    _sync_options(_subcommand(sub, "sync", cmd_sync))
    _serve_options(_subcommand(sub, "serve", cmd_serve))
    _staff_options(_subcommand(sub, "staff", cmd_staff))
    _question_options(sub)
    return p


def _subcommand(sub, name: str, fn) -> argparse.ArgumentParser:
    """A sub-command running `fn`; its docstring is the help text."""
    sp = sub.add_parser(name, help=fn.__doc__.splitlines()[0], description=fn.__doc__)
    sp.add_argument("--index", default=argparse.SUPPRESS, help="index folder")
    sp.set_defaults(fn=fn)
    return sp


def _index_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("sources", nargs="+", help="folders and files of articles")
    sp.add_argument("--rebuild", action="store_true", help="re-embed everything")
    sp.add_argument("--strict", action="store_true", help="exit 1 if any file was skipped")
    sp.add_argument("--wait", action="store_true", help="wait for a running build to finish")


def _sync_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("source", help="feed or sitemap URL, or a feed / WordPress export file")
    sp.add_argument(
        "--articles", help="folder the posts are saved in (default ./articles, or ASKCLINIC_ARTICLES)"
    )
    sp.add_argument(
        "--prune", action="store_true", help="delete saved posts that are no longer in the sitemap or export"
    )
    sp.add_argument(
        "--force",
        action="store_true",
        help="fetch every page again, and re-import posts deleted from the articles folder",
    )
    sp.add_argument("--only", metavar="PATH", help="only pages whose path starts with PATH, e.g. /blog/")
    sp.add_argument(
        "--delay",
        type=float,
        help=f"seconds between requests (ASKCLINIC_SYNC_DELAY, default {Settings.sync_delay:g})",
    )
    sp.add_argument("--wait", action="store_true", help="wait for a running sync or build to finish")
    sp.add_argument("--strict", action="store_true", help="exit 1 if any page failed")


def _serve_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sp.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    sp.add_argument(
        "--sync",
        metavar="SOURCE",
        help="also run `askclinic sync SOURCE` at start "
        "and then every --sync-every (into ASKCLINIC_ARTICLES)",
    )
    sp.add_argument(
        "--sync-every", metavar="DURATION", help="time between syncs, e.g. 6h, 30m, 1d (default 6h)"
    )


def _staff_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("action", choices=("add", "passwd", "remove", "list"))
    sp.add_argument("name", nargs="?", help="staff user name")
    sp.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )


def _question_options(sub) -> None:
    """`ask` and `eval`: both search the index with a --retriever and can print JSON."""
    from .retrieve import MODES

    for name, fn in (("ask", cmd_ask), ("eval", cmd_eval)):
        sp = _subcommand(sub, name, fn)
        sp.add_argument("--retriever", choices=MODES, default="hybrid")
        sp.add_argument("--json", action="store_true", help="print JSON")
    sub.choices["ask"].add_argument("question", nargs="*")
    sub.choices["ask"].add_argument("--batch", help="JSON Lines file of questions")
    sub.choices["ask"].add_argument(
        "--check",
        metavar="ID|none",
        choices=(*CATEGORIES, "none"),
        help="reply to a check step: the red flag happening now (gives the "
        "emergency message), or none (gives the answer)",
    )
    sub.choices["eval"].add_argument("questions", help="question file (JSON Lines)")
    sub.choices["eval"].add_argument("--limit", type=int, help="only the first N questions")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings().with_overrides(index=args.index, model=args.model)
        return args.fn(args, settings)
    except AskclinicError as e:
        print(f"askclinic: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("askclinic: interrupted; the current index is unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
