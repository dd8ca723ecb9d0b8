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


# --- Privacy: redact personal details before a question is written anywhere ---------------

_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = (rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{1,2}}-\d{{1,2}}|"
         rf"{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
         rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{4}}|"
         rf"{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}|"
         rf"(?:19|20)\d{{2}})")
_DOB = re.compile(rf"(?i)(\b(?:d\.?o\.?b\.?|date of birth|birth ?date|birthday(?: is)?|"
                  rf"born(?: on| in)?)\s*[:\-]?\s*(?:is\s+|on\s+)?){_DATE}(?!\w)")
_EMAIL = re.compile(r"(?i)\b[\w.%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b")
_PHONE = re.compile(r"(?<![\w/.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}"
                    r"(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?![\w/])"
                    r"|(?<![\w/.])\+\d{1,3}(?:[\s.-]?\d{2,4}){2,5}(?![\w/])"
                    r"|(?<![\w/.-])\d{3}[.-]\d{4}(?![\w/.-])")
_STREET_WORD = r"(?!(?:the|a|an|on|in|of|to|for|my|and|or|at|from|down|up|per|same|this|that)\b)[A-Za-z][A-Za-z'.-]*"
_SUFFIX = (r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|highway|hwy|parkway|pkwy|"
           r"drive|dr|court|ct|way|place|pl|terrace|ter|circle|cir|square|sq)")
_ADDRESS = re.compile(
    rf"(?i)\b\d{{1,6}}[a-z]?\s+(?:{_STREET_WORD}\s+){{1,4}}{_SUFFIX}\b\.?"
    r"(?:,?\s*(?:apt|apartment|unit|suite|ste|#)\.?\s*#?\w+)?"
    r"(?-i:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)?(?-i:,?\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?)?"
    r"|\bp\.?\s?o\.?\s+box\s+\d+")
_NAME_TOKEN = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_NOT_NAMES = set("""
a an the not so very really just still also currently always never here there sure sorry fine
okay ok new over under on in at from with worried scared afraid pregnant allergic diabetic
asthmatic tired exhausted confused curious wondering concerned nauseous dizzy male female
breastfeeding nursing postpartum better worse good bad well ill sick unsure able unable about
going getting having taking trying using feeling looking asking writing calling considering
hoping due late early interested botox migraine migraines cluster tension headache headaches
aimovig ajovy emgality vyepti nurtec ubrelvy qulipta yes no hi hello hey thanks thank and or but
i im i'm me my have has had am was is are with who what when how why can could do does did will
would should please from age aged years old
""".split())
_NAME_CUE = re.compile(
    rf"(?i:\bmy name is|\bmy name's|\bname:)\s+((?i:dr|mr|mrs|ms|miss)\.?\s+)?"
    rf"((?i:[a-z][a-z'-]*(?:\s+[a-z][a-z'-]*){{0,2}}))"
    rf"|(?:\b(?i:i'm|i am|im|call me)|(?:^|[.!?,;]\s*|\b(?i:hi|hello|hey)\b[,!]?\s+)(?i:this is|it's))\s+"
    rf"((?:Dr|Mr|Mrs|Ms|Miss)\.?\s+)?({_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,2}})")


def _name(match: re.Match) -> str:
    """Tag the name after a cue, stopping at the first word that is not part of a name."""
    t, w = (1, 2) if match.group(2) else (3, 4)
    kept = []
    for word in match.group(w).split():
        if word.lower() in _NOT_NAMES or word.lower().endswith("ing") and len(word) > 5:
            break
        kept.append(word)
    if not kept:
        return match.group(0)
    start = match.start(t) if match.group(t) else match.start(w)
    end = match.start(w) + len(" ".join(kept))
    whole, offset = match.group(0), match.start(0)
    return whole[:start - offset] + "[NAME]" + whole[end - offset:]


def redact(text: str) -> str:
    """Replace emails, phone numbers, dates of birth, street addresses and self-introduced
    names with [EMAIL], [PHONE], [DOB], [ADDRESS], [NAME]. Meant for logs, not for search."""
    text = text or ""
    text = _EMAIL.sub("[EMAIL]", text)
    text = _DOB.sub(lambda m: m.group(1) + "[DOB]", text)
    text = _ADDRESS.sub("[ADDRESS]", text)
    text = _PHONE.sub("[PHONE]", text)
    return _NAME_CUE.sub(_name, text)
