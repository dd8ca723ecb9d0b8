"""Fuzzing the loaders and the question path with hostile input: random bytes, invalid UTF-8,
mangled front matter, huge and deeply nested files, odd questions. Nothing may crash, every
bad file is reported as a Problem naming it, and each case finishes within a time bound.
Seeded, so a failure reproduces; ASKCLINIC_FUZZ_SEED picks other seeds."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest

from askclinic import privacy, safety
from askclinic.answer import ask
from askclinic.config import Settings
from askclinic.build import build_index
from askclinic.index import load_index
from askclinic.retrieve import Retriever
from askclinic.sources import MAX_FILE_BYTES, load_sources

ROOT = Path(__file__).resolve().parents[1]
SEED = int(os.environ.get("ASKCLINIC_FUZZ_SEED", "20240607"))
GOOD_MD = (ROOT / "articles" / "caffeine-and-headaches.md").read_text(encoding="utf-8")
GOOD_JSONL = json.dumps(
    {"id": "a1", "title": "Sleep", "body": "Too little sleep can trigger a migraine attack."}
)
GOOD_HTML = (
    "<html><head><title>Neck pain</title></head><body><article><h1>Neck pain</h1>"
    "<p>Tight neck muscles can refer pain into the head and cause headaches.</p>"
    "<p>Stretching and heat often help, and so does a better chair.</p></article></body></html>"
)
GOOD_TXT = "Neck pain and headaches\nMarch 3, 2020\n\nTight neck muscles can refer pain into the head.\n"
GOOD = {".md": GOOD_MD, ".jsonl": GOOD_JSONL, ".html": GOOD_HTML, ".txt": GOOD_TXT}
FRONT_MATTER_VALUES = [
    "[1, 2]",
    "{a: 1}",
    "5",
    "null",
    "''",
    "2020-13-45",
    "99999999999",
    "!!binary aGk=",
    "&a [*a]",
    "- - -",
    "'\\x00'",
    '"\\uD800"',
    "2020-02-30",
    "*undefined",
    "|\n  x",
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """Flip, delete, duplicate or insert bytes (including invalid UTF-8) at random places."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        op, i = rng.randrange(5), rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[min(i, len(buf) - 1)] = rng.randrange(256)
        elif op == 1:
            del buf[i : i + rng.randint(1, 40)]
        elif op == 2:
            buf[i:i] = buf[i : i + rng.randint(1, 200)] * rng.randint(1, 5)
        elif op == 3:
            buf[i:i] = rng.choice(
                [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x00", b"---\n", b"<div>", b"\n{"]
            )
        else:
            buf = buf[:i]
    return bytes(buf)


def hostile_files(folder: Path, rng: random.Random) -> list[Path]:
    made = []

    def put(name: str, data: bytes) -> None:
        path = folder / name
        path.write_bytes(data)
        made.append(path)

    for ext, good in GOOD.items():
        for n in range(12):
            put(f"mutated-{n}{ext}", mutate(good.encode(), rng))
        put(f"random{ext}", rng.randbytes(rng.randint(1, 4000)))
        put(f"empty{ext}", b"")
        put(f"bad-utf8{ext}", good.encode()[:50] + b"\xff\xfe\xfa" + good.encode()[50:])
        put(f"bom-only{ext}", b"\xef\xbb\xbf")
        put(f"nul{ext}", b"\x00" * 1000)
    for n, value in enumerate(FRONT_MATTER_VALUES):
        key = rng.choice(["title", "date", "tags", "id", "url", "author", "slug"])
        put(f"frontmatter-{n}.md", f"---\n{key}: {value}\n---\n\n{GOOD_MD.split('---', 2)[-1]}".encode())
    put(
        "nested.html",
        b"<html><body>" + b"<div>" * 50_000 + b"deep text here ok" + b"</div>" * 50_000 + b"</body></html>",
    )
    put("unclosed.html", b"<html><head><title>x" + b"<p><b><i>" * 20_000)
    put("long-line.txt", b"Title\n\n" + b"word" * 500_000)
    put("nested.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n" + GOOD_JSONL.encode())
    put(
        "types.jsonl",
        b"\n".join(
            json.dumps(o).encode()
            for o in [
                [],
                5,
                "text",
                None,
                {"id": 1, "title": 2, "body": 3},
                {"id": "x", "title": "T", "body": ["a"]},
                {"id": "y", "title": "T", "body": "enough words in this body to pass", "tags": 5},
                {"id": "z", "title": "T", "body": "enough words in this body to pass", "published": {"a": 1}},
                {"id": "w", "title": {"t": 1}, "body": "enough words in this body to pass", "url": 7},
            ]
        ),
    )
    huge = folder / "huge.md"
    with open(huge, "wb") as f:  # sparse: over the size limit without writing 20 MB
        f.truncate(MAX_FILE_BYTES + 1)
    made.append(huge)
    return made


def test_loaders_survive_hostile_files_and_name_each_bad_one(tmp_path):
    rng = random.Random(SEED)
    made = hostile_files(tmp_path, rng)
    start = time.perf_counter()
    articles, problems = load_sources([tmp_path])
    assert time.perf_counter() - start < 30
    named = {Path(p.path).name for p in problems}
    loaded = {Path(a.source).name for a in articles}
    for path in made:  # every file either loaded or was reported by name: nothing vanished
        assert path.name in named | loaded, path.name
    for name in ("random.md", "empty.html", "bad-utf8.txt", "nul.jsonl", "huge.md", "bom-only.md"):
        assert name in named and name not in loaded, name
    assert all(p.reason.strip() for p in problems)
    assert "bad-utf8.md" in named and "UTF-8" in next(
        p.reason for p in problems if p.path.endswith("bad-utf8.md")
    )
    assert "huge.md" in named and "MB" in next(p.reason for p in problems if p.path.endswith("huge.md"))
    # the good line after a hostile one still loads, and the hostile line is named
    assert "a1" in {a.id for a in articles}
    assert any(p.path.endswith("nested.jsonl") and "line 1" in p.reason for p in problems)


def test_each_loader_reports_a_file_it_cannot_read_by_name(tmp_path):
    for ext in GOOD:
        bad = tmp_path / f"broken{ext}"
        bad.write_bytes(b"\xff\xfe\x00garbage")
        articles, problems = load_sources([bad])
        assert articles == [] and [Path(p.path).name for p in problems] == [bad.name]


QUESTIONS = [
    "",
    " ",
    "\x00\x01\x02",
    "\ud800 lone surrogate",
    "é" * 5000,
    "a" * 100_000,
    "headache " * 20_000,
    "my name is " * 5000,
    "1" * 50_000,
    "((((((((((" * 3000,
    "\u202e\u200b\u200d\ufeff",
    "worst " * 10_000 + "headache",
    "I " * 30_000,
    "🤕" * 2000,
    "\n\t\r" * 1000,
    "<script>alert(1)</script>",
    "'; DROP TABLE questions; --",
    "call me at " + "5" * 40_000,
    "born on " + "1/" * 20_000,
]


def random_questions(rng: random.Random, n: int = 40) -> list[str]:
    out = []
    for _ in range(n):
        raw = rng.randbytes(rng.randint(0, 3000))
        out.append(raw.decode("utf-8", errors=rng.choice(["ignore", "replace", "surrogateescape"])))
    return out


@pytest.fixture(scope="module")
def tiny_retriever(tmp_path_factory):
    from conftest import FakeEmbedder

    articles, _ = load_sources(
        [ROOT / "articles" / "caffeine-and-headaches.md", ROOT / "articles" / "sleep-and-headaches.md"]
    )
    emb = FakeEmbedder()
    root = tmp_path_factory.mktemp("fuzz-index")
    build_index(articles, root, emb, log=lambda m: None)
    safety.language("load the language models once, before any question is timed")
    return Retriever(load_index(root, emb.name), emb)


def test_question_path_never_crashes_and_stays_fast(tiny_retriever):
    rng = random.Random(SEED)
    for q in QUESTIONS + random_questions(rng):
        start = time.perf_counter()
        ans = ask(q, tiny_retriever, Settings())
        red = privacy.redact(q)
        took = time.perf_counter() - start
        assert took < 3, (q[:60], took)
        assert ans.status in {"answered", "no_match", "emergency", "check", "invalid"}
        assert len(ans.question) <= Settings().max_question_chars
        assert isinstance(red, str) and isinstance(ans.to_dict()["message"], str)
        json.dumps(ans.to_dict())  # serialisable for the web and --json output
