"""Checks before retrieval: input limits and clean-up, the question's language, and emergency
red flags (detected in redflags.py)."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field

from . import redflags
from .config import Settings
from .models import Status

_CONTROL = {c for c in map(chr, range(0x20)) if c not in "\n\t"} | {"\x7f"}


@dataclass
class Checked:
    question: str  # cleaned and cut to the limit
    status: str | None = None  # Status INVALID, EMERGENCY, CHECK or NO_MATCH: no plain answer
    notice: str | None = None
    kind: str | None = None  # which red flag, for emergencies
    vector: object = None  # the question's embedding, when check() was given an embedder
    language: str = "en"  # "en", "es" or "other"
    check: list[str] = field(default_factory=list)  # red-flag categories to ask about (status "check")


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(
        " " if ch in _CONTROL or unicodedata.category(ch) == "Cc" and ch not in "\n\t" else ch for ch in text
    )
    return re.sub(r"\s+", " ", text).strip()


def shorten(text: str | None, limit: int) -> tuple[str, bool]:
    """`text` cleaned and cut to `limit` characters, and whether anything was cut. The raw
    text is cut to 4 × `limit` first: clean-up costs per character."""
    raw = text or ""
    cleaned = clean(raw[: 4 * limit])
    return cleaned[:limit], len(cleaned) > limit or len(raw) > 4 * limit


# --- Questions we will not search for: other languages, requests that are not questions ---

_LANGUAGES = ("ENGLISH", "SPANISH", "FRENCH", "GERMAN", "ITALIAN", "PORTUGUESE", "DUTCH")
_CODES = {"ENGLISH": "en", "SPANISH": "es"}
_ENGLISH_START = re.compile(
    r"(?i)\W*(?:what|whats|how|is|are|can|could|does|do|should|why|when|which|will|my|i)\b"
)


_LOADING = threading.Lock()
_DETECTOR: list = []


def _detector():
    """lingua's detector with its models loaded: about 1 s of CPU per language, once per
    process, started in the background when this module is imported."""
    with _LOADING:
        if not _DETECTOR:
            from lingua import Language, LanguageDetectorBuilder

            langs = [getattr(Language, name) for name in _LANGUAGES]
            _DETECTOR.append(
                LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()
            )
    return _DETECTOR[0]


def warm_up() -> None:
    """Load the language models in the background (the server and `askclinic ask` call this
    at start, so no question waits for them)."""
    if not _DETECTOR and not _LOADING.locked():
        threading.Thread(target=_detector, name="askclinic-lingua", daemon=True).start()


def language(text: str) -> str:
    """ "en", "es" or "other" for a question: mostly non-Latin letters is "other"; otherwise
    lingua (offline n-gram models, restricted to seven Latin-script languages) decides, and a
    short or mixed message it is unsure about counts as English."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "en"
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    if latin < 0.5 * len(letters):
        return "other"
    text = text.encode("utf-8", "ignore").decode("utf-8")  # lone surrogates: lingua takes UTF-8 only
    values = _detector().compute_language_confidence_values(text)
    top, conf = values[0].language.name, values[0].value
    english = next((v.value for v in values if v.language.name == "ENGLISH"), 0.0)
    words = len(re.findall(r"[^\W\d_]+", text))
    if top == "ENGLISH" or conf < (0.4 if words >= 4 else 0.7) or conf - english < 0.2:
        return "en"
    if top != "SPANISH" and _ENGLISH_START.match(text):  # "what is occipital neuralgia?"
        return "en"
    return _CODES.get(top, "other")


def foreign_language(text: str) -> bool:
    """True when a question is clearly not in English (the articles are)."""
    return language(text) != "en"


_NOT_A_QUESTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|rules|guidelines|programming)\b"
    r"|\b(?:ignore|disregard) (?:all |everything )?(?:the |of the )?above\b"
    r"|\bsystem prompt|\bpretend (?:you|to be)\b|\byou are now\b|\bfrom now on,? you\b|\bjailbreak|\bdeveloper mode"
    r"|^(?:please |can you |could you |would you |)(?:write|compose|generate|create|draft|make up)(?: me| us)? "
    r"(?:a |an |some |the |)(?:\w+ )?(?:poem|song|story|essay|haiku|limerick|joke|rap|script|code|program|function|"
    r"cover letter|email|letter|tweet|sql|python|javascript)\b"
    r"|\btell me (?:a|another) (?:joke|story)\b|^translate\b",
    re.IGNORECASE,
)


def not_a_question_for_us(text: str) -> bool:
    """Instructions to the bot or requests to write something: the articles answer neither."""
    return bool(_NOT_A_QUESTION.search(text))


def red_flag(
    text: str, embedder=None, vector=None, lang: str = "en", model_words: frozenset | None = None
) -> redflags.Verdict:
    """The red-flag verdict for a cleaned question (see redflags.assess). With an embedder the
    classifier over the question's vector joins the concepts; `model_words` are the
    embedder's word pieces (redflags.vocabulary, read from the embedder when not given)."""
    if embedder is None:
        return redflags.assess(text, lang)
    if vector is None:
        vector = embedder.encode([text])[0]
    if model_words is None:
        model_words = redflags.vocabulary(embedder)
    return redflags.assess(text, lang, vector, getattr(embedder, "name", None), model_words)


def check(
    question: str,
    settings: Settings,
    embedder=None,
    check: str | None = None,
    model_words: frozenset | None = None,
) -> Checked:
    """Clean the question and decide whether it may go to retrieval at all. With an embedder,
    red flags are also matched by meaning (`model_words`: see red_flag), and the question's
    vector is kept for retrieval. `check` is the patient's reply to a check step: a red-flag
    category (happening now: the emergency message) or "none" (skip the grey-zone check; a
    clear red flag still wins)."""
    text, cut = shorten(question, settings.max_question_chars)
    if not text:
        return Checked(text, status=Status.INVALID)
    notice = None
    if cut:
        notice = (
            f"Your question was long, so we searched using its first "
            f"{settings.max_question_chars:,} characters."
        )
    vector = embedder.encode([text])[0] if embedder is not None else None
    lang = language(text)
    if check in redflags.CATEGORIES:  # the patient said this red flag is happening now
        return Checked(text, status=Status.EMERGENCY, notice=notice, kind=check, language=lang)
    verdict = red_flag(text, embedder, vector, lang, model_words)
    if verdict.level == Status.EMERGENCY or verdict.level == Status.CHECK and check != "none":
        return Checked(
            text,
            status=verdict.level,
            notice=notice,
            kind=verdict.kind,
            vector=vector,
            language=lang,
            check=verdict.check,
        )
    if lang != "en":
        return Checked(text, status=Status.INVALID, notice=notice, kind="language", language=lang)
    if not_a_question_for_us(text):
        return Checked(text, status=Status.NO_MATCH, notice=notice, kind="off_topic")
    return Checked(text, notice=notice, vector=vector)
