"""Updating the index from the article sources, the one flow behind `askclinic index`,
`askclinic sync` (after it has saved the posts, also on a schedule) and the staff console's
"Rebuild index": read the sources (each unreadable file reported and skipped), build a new
index version unless the current one already holds exactly these articles, and after a
rebuild re-ask the staff's golden questions."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .config import Settings
from .errors import AskclinicError
from .fetch import Limits
from .golden import GoldenResult, check_golden, find_golden, format_results
from .build import BuildReport, already_current, build_index
from .sources import Problem, load_sources
from .sync import SyncReport, sync


@dataclass
class UpdateResult:
    articles: int  # articles read from the sources
    problems: list[Problem]  # files skipped
    build: BuildReport
    golden: Path | None = None  # the golden questions re-asked after a rebuild, if any
    results: list[GoldenResult] = field(default_factory=list)
    golden_error: AskclinicError | None = None  # why they could not be re-asked

    @property
    def outcome(self) -> str:
        return f"new version {self.build.version}" if self.build.version else "index already up to date"

    def golden_lines(self) -> list[str]:
        """The golden questions' report (see golden.format_results); empty without a rebuild."""
        if self.golden_error is not None:
            return [f"golden questions could not be checked: {self.golden_error}"]
        return format_results(self.results, self.golden) if self.golden else []


def update_index(
    sources: Iterable[str | Path],
    settings: Settings,
    embedder=None,
    *,
    rebuild: bool = False,
    wait: bool = False,
    log: Callable[[str], None] = print,
    on_read: Callable[[int, int], None] | None = None,
    progress_bar: bool | None = None,
) -> UpdateResult:
    """Bring the index at settings.index up to date with the articles in `sources` (folders
    and files). `on_read(articles, skipped)` is told what was read; `rebuild` re-embeds
    everything. The model is loaded only when something has to be embedded."""
    sources = [str(s) for s in sources]
    articles, problems = load_sources(sources)
    for p in problems:
        log(str(p))
    if on_read is not None:
        on_read(len(articles), len(problems))
    if not articles:
        raise AskclinicError(
            "no articles found in "
            + ", ".join(sources)
            + "; nothing was changed (the current index, if any, stays in place)"
        )
    model, window = (embedder.name, embedder.window) if embedder is not None else (settings.model, None)
    current = None if rebuild else already_current(settings.index, articles, model, window)
    if current is not None:
        return UpdateResult(len(articles), problems, current)
    if embedder is None:
        from .embedding import get_embedder

        embedder = get_embedder(settings)
    build = build_index(
        articles, settings.index, embedder, rebuild=rebuild, wait=wait, log=log, progress_bar=progress_bar
    )
    result = UpdateResult(len(articles), problems, build)
    if build.version:
        _recheck_golden(result, sources, settings, embedder)
    return result


def _recheck_golden(result: UpdateResult, sources: list[str], settings: Settings, embedder) -> None:
    """Re-ask the golden questions (found by golden.find_golden) against the new version."""
    result.golden = find_golden(settings, sources)
    if result.golden is None:
        return
    try:
        result.results = check_golden(result.golden, settings, embedder=embedder)
    except AskclinicError as e:
        result.golden_error = e


# ---------------------------------------------------------------- sync, then update


def run_sync(
    source: str,
    settings: Settings,
    *,
    articles: str | Path | None = None,
    prune: bool = False,
    force: bool = False,
    only: str | None = None,
    wait: bool = False,
    limits: Limits | None = None,
    embedder=None,
    out: Callable[[str], None] = print,
    log: Callable[[str], None] = print,
) -> tuple[SyncReport, BuildReport, list[GoldenResult]]:
    """`askclinic sync`: save the posts of `source` into the articles folder, update the
    index from that folder, and print both reports and the golden questions' one."""
    folder = Path(articles or settings.article_sources[0])
    limits = limits or Limits.from_settings(settings)
    report = sync(
        source, folder, prune=prune, force=force, only=only, wait=wait, limits=limits, out=out, log=log
    )
    out(f"posts: {report.summary()}")
    result = update_index([folder], settings, embedder, wait=wait, log=log)
    out(f"index: {result.build.summary()}; {result.outcome} in {settings.index}")
    if result.golden_error is not None:
        raise result.golden_error
    for line in result.golden_lines():
        out(line)
    return report, result.build, result.results


def parse_every(text: str) -> float:
    """'6h', '30m', '90s', '1d' (or plain seconds) → seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(text).lower())
    if not m or float(m.group(1)) <= 0:
        raise AskclinicError(f"--sync-every {text!r}: give a duration such as 6h, 30m or 90s")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def start_scheduler(
    source: str,
    settings: Settings,
    every: float,
    *,
    articles: str | Path | None = None,
    prune: bool = False,
    embedder=None,
    log: Callable[[str], None] = print,
    first_delay: float = 0.0,
) -> threading.Event:
    """Run `run_sync` now (after `first_delay`) and then every `every` seconds in a background
    thread; a running server swaps the new index in by itself. Set the returned event to stop."""
    stop = threading.Event()

    def loop():
        delay = first_delay
        while not stop.wait(delay):
            started = time.monotonic()
            try:
                run_sync(
                    source,
                    settings,
                    articles=articles,
                    prune=prune,
                    wait=True,
                    embedder=embedder,
                    out=log,
                    log=lambda m: None,
                )
            except Exception as e:  # keep serving; try again next time
                log(f"scheduled sync of {source} failed: {e}")
            delay = max(1.0, every - (time.monotonic() - started))
            log(
                f"next sync of {source} in "
                + (
                    f"{delay / 3600:.1f} h"
                    if delay >= 3600
                    else f"{delay / 60:.0f} min"
                    if delay >= 120
                    else f"{delay:.0f} s"
                )
            )

    threading.Thread(target=loop, name="askclinic-sync", daemon=True).start()
    return stop
