"""Load articles from files and folders: one small module per kind, chosen by file extension.

`load_sources(paths)` walks folders, reads every supported file, and returns the articles
plus one problem line per file that could not be read (the rest still load).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..errors import IngestError
from ..models import Article
from . import html, jsonl, markdown, textpage

LOADERS = {
    ".md": markdown.load,
    ".markdown": markdown.load,
    ".html": html.load,
    ".htm": html.load,
    ".txt": textpage.load,
    ".jsonl": jsonl.load,
}
MAX_FILE_BYTES = 20_000_000  # one article
MAX_JSONL_BYTES = 2_000_000_000  # a whole export
NOT_ARTICLES = {"golden.jsonl"}  # staff's golden questions may live in the articles folder


@dataclass
class Problem:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.path}: {self.reason}"


def _link_problem(link: Path, folder: Path) -> str | None:
    """Why a link in `folder` is not followed (None: it leads to a file inside)."""
    target = link.resolve()
    if not target.exists():
        return "a link to a missing file; not followed"
    if folder.resolve() not in target.parents:
        return f"a link to a place outside {folder}; not followed (copy the articles in instead)"
    return None if target.is_file() else ""  # a folder inside: its files are found anyway


def _files(paths: Iterable[str | Path], problems: list[Problem]) -> Iterable[tuple[Path, Path]]:
    """(file, root) pairs; a file's id defaults to its path relative to root. In folders,
    links are followed only to files inside the folder; each other link is a Problem."""
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):  # does not enter linked folders
                if f.name in NOT_ARTICLES or any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue
                why = _link_problem(f, p) if f.is_symlink() else None
                if why:
                    problems.append(Problem(str(f), why))
                elif why is None and f.is_file():
                    yield f, p
        else:
            yield p, p.parent


def path_id(path: Path, root: Path) -> str:
    """A stable article id from a file path: relative, lower case, no extension."""
    rel = path.relative_to(root).with_suffix("").as_posix()
    return re.sub(r"[^a-z0-9/_-]+", "-", rel.lower()).strip("-")


def load_file(path: Path, root: Path, problems: list[str]) -> list[Article]:
    """Articles in one file; parts of it that could not be read are added to `problems`."""
    if not path.exists():  # first: a mistyped folder has no file type either
        raise IngestError("no such file or folder")
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise IngestError(
            f"unknown file type {path.suffix or '(none)'!r}; use one of {', '.join(sorted(LOADERS))}"
        )
    limit = MAX_JSONL_BYTES if loader is jsonl.load else MAX_FILE_BYTES
    if path.stat().st_size > limit:
        raise IngestError(f"file is larger than {limit // 1_000_000:,} MB")
    return loader(path, path_id(path, root), problems)


def load_sources(paths: Iterable[str | Path]) -> tuple[list[Article], list[Problem]]:
    """All articles under `paths`; broken files and duplicate ids become Problems."""
    articles: dict[str, Article] = {}
    problems: list[Problem] = []
    for path, root in _files(paths, problems):
        partial: list[str] = []
        try:
            loaded = load_file(path, root, partial)
        except IngestError as e:
            problems.append(Problem(str(path), str(e)))
            continue
        except (OSError, ValueError) as e:  # last resort: never stop the whole run
            problems.append(Problem(str(path), f"could not be read ({e})"))
            continue
        problems.extend(Problem(str(path), reason) for reason in partial)
        for art in loaded:
            if art.id in articles:
                problems.append(
                    Problem(
                        str(path),
                        f"article id {art.id!r} already loaded "
                        f"from {articles[art.id].source}; set a unique id",
                    )
                )
            else:
                articles[art.id] = art
    return list(articles.values()), problems
