"""Checks before retrieval: input limits and clean-up, and emergency red flags."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .config import Settings

_CONTROL = {c for c in map(chr, range(0x20)) if c not in "\n\t"} | {"\x7f"}


@dataclass
class Checked:
    question: str  # cleaned and cut to the limit
    status: str | None = None  # "invalid" or "emergency" when retrieval must not run
    notice: str | None = None
    kind: str | None = None  # which red flag, for emergencies


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if ch in _CONTROL or unicodedata.category(ch) == "Cc" and ch not in "\n\t" else ch
                   for ch in text)
    return re.sub(r"\s+", " ", text).strip()


_RED_FLAGS = [
    ("thunderclap", r"\b(worst|most severe) (head ?ache|pain) (of|in) my (entire )?life\b|thunder ?clap|"
                    r"\bsudden(ly)?\b.{0,40}\b(severe|excruciating|explosive|worst)\b.{0,20}\bhead ?ache"),
    ("stroke", r"\b(stroke|face (is )?droop\w*|slurred speech|can'?t speak|one side of my (body|face))\b"),
    ("suicide", r"\b(suicid\w*|kill myself|end my life|want to die)\b"),
]


def check(question: str, settings: Settings) -> Checked:
    """Clean the question and decide whether it may go to retrieval at all."""
    text = clean(question)
    if not text:
        return Checked(text, status="invalid")
    notice = None
    if len(text) > settings.max_question_chars:
        text = text[:settings.max_question_chars]
        notice = (f"Your question was long, so we searched using its first "
                  f"{settings.max_question_chars:,} characters.")
    low = text.lower()
    for kind, pattern in _RED_FLAGS:
        if re.search(pattern, low):
            return Checked(text, status="emergency", notice=notice, kind=kind)
    return Checked(text, notice=notice)
