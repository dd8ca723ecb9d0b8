"""Turns a question into the Answer every front end shows. Every message is fixed text."""

from __future__ import annotations

from urllib.parse import urlsplit

from . import excerpts as excerpts_
from . import redflags, retrieve, safety, terms
from .config import Settings
from .deeplink import deep_url
from .models import Answer, Excerpt, Status
from .retrieve import Retriever

DISCLAIMER = "General information from our articles, not medical advice for you."
safety.warm_up()  # whoever answers questions needs the language models: load them now


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for an href or a terminal, or None (javascript:, data:, relative and
    the like). Every front end gets article URLs through this."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(ord(c) < 0x20 or c in "\x7f\u2028\u2029" for c in url)
    ):
        return None
    return url


def messages(settings: Settings, language: str = "en") -> dict[str, str]:
    """The fixed messages; with language "es" the emergency, crisis, check and "our articles
    are in English" ones are in Spanish (the others stay English: the articles are)."""
    contact = settings.clinic_name
    if settings.clinic_phone:
        contact += f" at {settings.clinic_phone}"
    booking = f" or book a visit at {settings.clinic_booking_url}" if settings.clinic_booking_url else ""
    return {
        "answered": f"Here is what our articles say. {DISCLAIMER}",
        "no_match": (
            f"Our articles don't cover this yet. For a question about your own health, "
            f"please contact {contact}{booking}."
        ),
        "invalid": f'Please type a question about {settings.topic}, for example "{settings.starters[0]}"',
        "emergency": (
            f"This may be an emergency. Call {settings.emergency_number} or go to the "
            f"nearest emergency department now. Do not wait for an appointment."
            + (f" You can also call {contact}." if settings.clinic_phone else "")
        ),
        "emergency_suicide": (
            f"If you are thinking about harming yourself, call or text "
            f"{settings.crisis_line} now, or call {settings.emergency_number}. "
            f"You are not alone and help is available right now."
            + (f" You can also call {contact}." if settings.clinic_phone else "")
        ),
        "not_english": (
            f"Our articles are in English, so please ask your question in English. "
            f"In an emergency call {settings.emergency_number}."
        ),
        "check": "Is any of this happening now?",
        **(_spanish(settings, contact) if language == "es" else {}),
    }


def _spanish(settings: Settings, contact: str) -> dict[str, str]:
    also = f" También puede llamar a {contact}." if settings.clinic_phone else ""
    return {
        "emergency": (
            f"Esto puede ser una emergencia. Llame al {settings.emergency_number} o vaya ahora "
            f"a la sala de emergencias más cercana. No espere a una cita." + also
        ),
        "emergency_suicide": (
            f"Si está pensando en hacerse daño, llame o envíe un mensaje al "
            f"{settings.crisis_line} ahora, o llame al {settings.emergency_number}. "
            f"No está solo: hay ayuda disponible ahora mismo." + also
        ),
        "not_english": (
            f"Nuestros artículos están en inglés, así que por favor haga su pregunta en "
            f"inglés. En una emergencia llame al {settings.emergency_number}."
        ),
        "check": "¿Está pasando algo de esto ahora?",
    }


def _check_step(checked, retriever: Retriever, message: str, lang: str, mode: str) -> Answer:
    """The grey zone: ask whether any of the red flags is happening now, before any articles.
    The articles are still ranked (for scoring), none are shown."""
    qvec = checked.vector
    if qvec is None and mode != "bm25":
        qvec = retriever.embedder.encode([checked.question])[0]
    hits = retriever.search(checked.question, qvec, mode)
    wording = redflags.labels(lang)
    items = [{"id": c, "label": wording[c]} for c in checked.check]
    return Answer(
        checked.question,
        Status.CHECK,
        message,
        ranking=retrieve.rank_articles(hits),
        notice=checked.notice,
        language=lang,
        check=items,
    )


def ask(
    question: str,
    retriever: Retriever,
    settings: Settings,
    mode: str = "hybrid",
    with_highlights: bool = True,
    context: str | None = None,
    exclude=None,
    check: str | None = None,
) -> Answer:
    """Answer one question. `context` (the conversation's previous question) is searched
    together with the question, so follow-ups like "what about side effects?" stay on topic.
    `exclude` (chunk ids, or (article id, text) pairs) are passages already shown in the
    conversation: they are left out unless nothing else fits. `check` answers a check step:
    a red-flag category id (the emergency message) or "none" (the answer, grey zone skipped)."""
    if check is not None and check != "none" and check not in redflags.CATEGORIES:
        raise ValueError(f'check must be a red-flag category id or "none", not {check!r}')
    checked = safety.check(
        question, settings, embedder=retriever.embedder, check=check, model_words=retriever.model_words
    )
    lang = "es" if checked.language == "es" else "en"
    msgs = messages(settings, lang)
    stopped = _stopped(checked, retriever, msgs, lang, mode)
    if stopped is not None:
        return stopped
    query, qvec, hits = _search(checked, retriever, settings, mode, context)
    ranking = retrieve.rank_articles(hits)
    picks = _picks(retriever, hits, checked, query, qvec, settings, mode, exclude, with_highlights)
    ranking = list(dict.fromkeys([p.hit.chunk.article_id for p in picks] + ranking))[: len(ranking)]
    if not picks:  # refused: still ranked, for scoring
        return Answer(
            checked.question, Status.NO_MATCH, msgs["no_match"], ranking=ranking, notice=checked.notice
        )
    excerpts = _excerpts(retriever, picks, with_highlights)
    return Answer(
        checked.question, Status.ANSWERED, msgs["answered"], excerpts, ranking, notice=checked.notice
    )


def _stopped(checked, retriever: Retriever, msgs: dict[str, str], lang: str, mode: str) -> Answer | None:
    """The answer when the safety checks stop the question before the search (not a question,
    not in English, an emergency) or first ask about red flags (a check step); None to go on."""
    if checked.status == Status.INVALID:
        foreign = checked.kind == "language"
        return Answer(
            checked.question,
            Status.INVALID,
            msgs["not_english" if foreign else "invalid"],
            language=lang,
            kind="language" if foreign else None,
        )
    if checked.status == Status.EMERGENCY:
        key = "emergency_suicide" if checked.kind == "self_harm" else "emergency"
        return Answer(
            checked.question,
            Status.EMERGENCY,
            msgs[key],
            notice=checked.notice,
            language=lang,
            kind=checked.kind,
        )
    if checked.status == Status.CHECK:
        return _check_step(checked, retriever, msgs["check"], lang, mode)
    return None


def _search(checked, retriever: Retriever, settings: Settings, mode: str, context: str | None):
    """Search for the question, after the conversation's previous one (`context`). Returns the
    query the excerpts are chosen for, its vector (None with bm25) and the hits."""
    context, _ = safety.shorten(context, settings.max_question_chars)
    query = f"{context} {checked.question}" if context else checked.question
    if mode == "hybrid":
        query = retrieve.clean_question(query)
    searched = terms.for_search(query, retriever.known) if mode == "hybrid" else query
    qvec = None
    if mode != "bm25":  # the model reads what is searched: misspellings fixed, generic names added
        reuse = checked.vector is not None and searched == checked.question
        qvec = checked.vector if reuse else retriever.embedder.encode([searched])[0]
    return query, qvec, retriever.search(searched, qvec, mode)


def _picks(
    retriever: Retriever, hits, checked, query: str, qvec, settings: Settings, mode, exclude, with_highlights
):
    """The passages to show, best first, leaving out those already shown; none when the
    checks found the question not covered."""
    if not hits or checked.status == Status.NO_MATCH:
        return []
    shown = _unseen(hits, exclude)
    if mode == "hybrid":
        return excerpts_.choose(
            retriever,
            shown,
            query,
            qvec,
            settings.min_score,
            settings.max_excerpts,
            settings.per_article,
            checked.vector,
        )
    return excerpts_.plain(
        retriever, shown, qvec, settings.min_score, 4, settings.per_article, with_highlights
    )


def _excerpts(retriever: Retriever, picks, with_highlights: bool) -> list[Excerpt]:
    """The numbered excerpts of the picked passages, with their article's title, safe URL,
    date and (when asked for) highlighted sentences."""
    excerpts = []
    for n, pick in enumerate(picks, 1):
        hit, marked = pick.hit, pick.highlights if with_highlights else []
        art = retriever.index.articles[hit.chunk.article_id]
        url = safe_url(art.get("url"))
        excerpts.append(
            Excerpt(
                n=n,
                article_id=hit.chunk.article_id,
                title=art["title"],
                url=url,
                published=art.get("published"),
                text=hit.chunk.text,
                highlights=marked,
                score=round(pick.score, 3),
                deep_url=deep_url(url, _first(hit.chunk.text, marked)),
            )
        )
    return excerpts


def _unseen(hits, exclude):
    """The hits not already shown (by chunk id or (article id, text)); all of them when
    nothing else is left."""
    if not exclude:
        return hits
    seen = {e if isinstance(e, str) else tuple(e) for e in exclude}
    fresh = [h for h in hits if h.chunk.id not in seen and (h.chunk.article_id, h.chunk.text) not in seen]
    return fresh or hits


def _first(text: str, sentences: list[str]) -> str | None:
    """The highlighted sentence that comes first in the passage."""
    found = [s for s in sentences if s and s in text]
    return min(found, key=text.find) if found else None
