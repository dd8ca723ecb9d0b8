"""Emergency red flags in English and Spanish. Two detectors, combined so that recall comes
first: symptom concepts (many lay, misspelt and Spanish forms, in data/redflag_concepts.json)
combined per category with negation, hypothetical and past-event scope; and a logistic
regression over the question's embedding, trained on data/redflag_bank.jsonl by
`python -m askclinic.redflags` (weights shipped in data/redflag_model.npz). A clear red flag
gives the emergency message; the grey zone asks "is any of this happening now?" (a check)."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
BANK = DATA / "redflag_bank.jsonl"
MODEL = DATA / "redflag_model.npz"
CATEGORIES = (
    "thunderclap",
    "stroke",
    "meningitis",
    "head_injury",
    "seizure",
    "fainting",
    "pregnancy",
    "glaucoma",
    "giant_cell_arteritis",
    "carbon_monoxide",
    "hypertensive",
    "child",
    "self_harm",
    "allergic_reaction",
    "cancer_immunity",
    "confusion_elderly",
)
# Classifier thresholds on P(any emergency), chosen from 5-fold cross-validation on the bank
# (`python -m askclinic.redflags --cv`) and the false alarms on tests/data/emergency.jsonl and
# MedQuAD dev questions: above P_EMERGENCY the message is given directly (English only),
# above P_CHECK the patient is asked.
# A check from the classifier alone also needs a symptom concept below P_CHECK_ALONE.
P_EMERGENCY = 0.85
P_CHECK = 0.50
P_CHECK_ALONE = 0.70
# A first-person message the classifier reads as self-harm is asked about even with no concept
# (measured on benchmarks/redflags/dev.jsonl and every MedQuAD dev question).
P_SELF_HARM = 0.75
# Weak rules that a mild or habitual word does not set aside ("collapsed for a bit").
SERIOUS = frozenset({"fainting", "stroke", "meningitis", "seizure", "self_harm", "child"})
# Concepts that say who or when, not what: alone they are no sign of an emergency.
CONTEXT = frozenset(
    {
        "NOW",
        "MILD",
        "HABITUAL",
        "CARE",
        "OLDER",
        "CHILD",
        "EYE",
        "INJECTION",
        "HEAD",
        "PREGNANT",
        "CANCER",
        "ANTICOAG",
        "ONE_SIDE",
    }
)


@dataclass
class Verdict:
    level: str | None = None  # "emergency", "check" or None
    kind: str | None = None  # the category, for emergencies
    check: list[str] = field(default_factory=list)  # categories to ask about, for checks
    scope: str | None = None  # "hypothetical" or "past" when alarming words were set aside


def labels(language: str = "en") -> dict[str, str]:
    """Short patient wording of each red flag, for the check step's buttons."""
    col = 1 if language == "es" else 0
    return {k: v[col] for k, v in _tables()["labels"].items()}


# --- Normalising and concepts --------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case, accents and apostrophes removed, one space between words."""
    text = unicodedata.normalize("NFKD", (text or "").lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[’‘`'´]", "", text).replace("¿", " ").replace("¡", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


_NEG_WORDS = r"\b(?:no|not|without|never|nor|sin|ni|nunca|nobody|denies|dont|didnt|doesnt|isnt|arent|havent|hasnt|wasnt|werent)\b"
_NOT_HARM = re.compile(
    r"\b(?:dont|do not|not|never|no|wouldnt|would never)\b(?: \w+){0,3} (?:hurt|harm|kill|suicid|end|dark)"
)
_NEG_INSIDE = re.compile(r"\bnot\b|\b(?:isnt|doesnt|dont|didnt|arent|wasnt)\b|\bno longer\b")


@lru_cache(maxsize=1)
def _tables() -> dict:
    raw = json.loads((DATA / "redflag_concepts.json").read_text(encoding="utf-8"))
    compiled = {}
    for name, patterns in raw["concepts"].items():
        inherent = any(re.search(_NEG_WORDS + r"|\b(?:wont|cant|cannot)\b", p) for p in patterns)
        compiled[name] = (re.compile(r"(?<![a-z0-9])(?:" + "|".join(patterns) + r")(?![a-z0-9])"), inherent)
    cues = {
        k: re.compile(r"(?<![a-z0-9])(?:" + "|".join(v) + r")(?![a-z0-9])") for k, v in raw["scope"].items()
    }
    words_es = frozenset(raw["typo_words_es"])
    return {
        "concepts": compiled,
        "rules": raw["rules"],
        "labels": raw["labels"],
        "words": raw["typo_words"],
        "scope": cues,
        "words_es": {_sound(w): w for w in words_es},
    }


def fix_typos(low: str, known: frozenset) -> str:
    """Map misspelt words ('hedache', 'sezure', 'suicdal') to the nearest concept word. Words
    the embedding model's vocabulary knows are left alone, so 'strike' never becomes 'stroke'."""
    words = _tables()["words"]
    stems = tuple(w for w in words if len(w) >= 6)
    out = []
    for w in low.split(" "):
        plain = w.strip(",.;:!?")
        if (
            len(plain) >= (4 if known else 6)
            and plain.isalpha()
            and plain not in known
            and plain not in words
            and not plain.startswith(stems)
        ):
            near = difflib.get_close_matches(plain, words, n=1, cutoff=0.85)
            w = w.replace(plain, near[0]) if near else w
        out.append(w)
    return " ".join(out)


def _sound(word: str) -> str:
    """A Spanish word as it sounds: b/v, y/ll, s/z/soft c, k/hard c/qu and silent h are not told apart."""
    w = (
        word.replace("ch", "X")
        .replace("ll", "i")
        .replace("y", "i")
        .replace("qu", "k")
        .replace("v", "b")
        .replace("z", "s")
    )
    w = re.sub(r"c(?=[ei])", "s", w).replace("c", "k").replace("h", "")
    return re.sub(r"(.)\1+", r"\1", w)


def fix_typos_es(low: str) -> str:
    """Map Spanish words spelt as they sound ('cabesa', 'cueyo', 'desmalle', 'fievre') to the
    concept word that sounds the same."""
    sounds = _tables()["words_es"]
    out = []
    for w in low.split(" "):
        plain = w.strip(",.;:!?")
        near = sounds.get(_sound(plain)) if len(plain) >= 4 and plain.isalpha() else None
        out.append(w.replace(plain, near) if near else w)
    return " ".join(out)


def _clause_start(low: str, pos: int) -> int:
    cuts = [m.end() for m in re.finditer(r"[.;!?,]| but | pero ", low[:pos])]
    return cuts[-1] if cuts else 0


def _negated(low: str, m: re.Match, inherent: bool) -> bool:
    before = low[max(_clause_start(low, m.start()), m.start() - 30) : m.start()]
    if re.search(_NEG_WORDS + r"(?!.*\b(?:and|y)\b)", before):
        return True
    return not inherent and bool(_NEG_INSIDE.search(m.group(0)))


_BP = re.compile(r"(?<!\d)(\d{2,3}) ?(?:/|over|sobre) ?(\d{2,3})(?!\d)")
_AGE = re.compile(
    r"\b(?:im|i am|aged?|he is|she is|hes|shes|is|tengo|tiene|de|mother|father|mum|mom|dad|"
    r"husband|wife|aunt|uncle),? ([5-9]\d|1[01]\d)\b(?! ?(?:weeks|semanas|kg|lbs?|mg|minutes|%))"
    r"|\b([5-9]\d|1[01]\d) ?(?:years?|yrs?|yo|y/o|year old|anos)\b"
)


def concepts(low: str) -> set[str]:
    """The concepts present and not negated in a normalised message."""
    found = set()
    for name, (rx, inherent) in _tables()["concepts"].items():
        if any(not _negated(low, m, inherent) for m in rx.finditer(low)):
            found.add(name)
    for sys_, dia in ((int(a), int(b)) for a, b in _BP.findall(low)):
        if 80 <= sys_ <= 300 and 40 <= dia <= 200 and sys_ > dia:
            found |= {"BP_PREG"} if sys_ >= 150 or dia >= 100 else set()
            found |= {"BP_CRISIS", "HIGH_BP"} if sys_ >= 180 or dia >= 115 else set()
    if _AGE.search(low):
        found.add("OLDER")
    return found


def matched_rules(found: set[str]) -> tuple[list[str], list[str]]:
    """Categories with a strong rule met, and those with only a weak one."""
    strong, weak = [], []
    for cat, rules in _tables()["rules"].items():
        if any(all(c in found for c in rule) for rule in rules["strong"]):
            strong.append(cat)
        elif any(all(c in found for c in rule) for rule in rules["weak"]):
            weak.append(cat)
    return strong, weak


# --- Scope: questions about a symptom, and past events, get articles ------------------------

_HYPOTHETICAL = re.compile(
    r"\b(?:signs?|symptoms?|warning signs?) (?:of|for)\b|\bwhat does (?:a |an )?.{0,40}\bfeel like\b"
    r"|\bhow (?:do|can|would|could|should) (?:i|you|we|one|people) (?:know|tell|recogni[sz]e|spot)\b"
    r"|\bif (?:i|you|someone|somebody|a person|my \w+) (?:ever|were|was|had|has|gets?|starts?)\b"
    r"|\bwhat (?:should|do|to) (?:i |you |we )?do if\b|\bwhat happens if\b|\bwhen should (?:i|you|we)\b"
    r"|\bwhen (?:is|are) .{0,30}\b(?:dangerous|an emergency|serious)\b|\bwhat (?:is|are|causes?)\b"
    r"|\bcould (?:my|this|it|a|these) .{0,40}\bbe\b|\bcan (?:a|an|you die|botox|migraines?|stress)\b"
    r"|\bwhich .{0,30}\b(?:dangerous|serious)\b|\bred flags?\b|\bhow is .{0,30} diagnosed\b"
    r"|\b(?:sintomas|senales|signos) de\b|\bcomo saber\b|\bque hacer si\b|\bque es (?:la|el|un|una)\b"
    r"|\bcuales son\b|\bes normal\b|\bcomo (?:se|saber|puedo saber) si\b|\bpuede causar\b|\bque hago si\b"
    r"|\bcuando debo\b|\bwhat should (?:i|we) (?:watch|look) (?:for|out for)\b"
)
_OPENER = re.compile(
    r"^(?:what|whats|which|who|why|how|when|where|can|could|does|do|is|are|should|would|will"
    r"|may|might|any|tell me|explain|define|que|cual|cuales|como|cuando|por que|puede|es|hay|se puede"
    r"|sirve|existe|cuanto|cuanta|cuantos|cuantas|donde|quien|la|el|los|las)\b"
)
_ABOUT = re.compile(r"\b(?:define|definition|information|info|meaning|research|study|studies)\b")
_IDIOM = re.compile(
    r"\b(?:giv\w*|gave) me (?:a )?(?:stroke|seizure|heart attack|fit)\b|\bmak\w* my head explode\b"
    r"|\b(?:nearly|almost) (?:fainted|passed out|had a (?:stroke|heart attack)) when\b"
    r"|\bthe worst (?:part|thing|bit|symptom) (?:of|about|is)\b|\bme esta matando\b"
    r"|\b(?:this|the|my) (?:headache|migraine|pain) is killing me\b|\bdying to\b"
)
_PERSONAL = re.compile(
    r"\b(?:i|im|ive|id|me|my|mine|myself|we|our|us|he|she|hes|shes|his|her|him|they|their"
    r"|mi|mis|tengo|estoy|nos|nuestro|nuestra|me|yo|le)\b"
)
_PAST = re.compile(
    r"\b(?:\d+|a|one|two|three|five|ten|few|several|many|some|couple of) (?:years?|decades?) (?:ago|back)\b"
    r"|\byears ago\b|\blast (?:year|winter|summer|spring|autumn)\b|\bas a (?:child|kid|teen\w*|baby)\b"
    r"|\bwhen (?:i|he|she|we) (?:was|were) (?:young|little|small|a child|a kid|a teen\w*|\d+)\b|\bin (?:19|20)\d\d\b"
    r"|(?<!no )\bhistory of\b|\bused to\b|\bin the past\b|\bgrowing up\b|\bonce years ago\b|\bin (?:my|his|her) first\b"
    r"|\bgenetic\b|\bhereditary\b|\binherited\b|\bruns? in (?:the|my|our) family\b|\bfamily history\b"
    r"|\bhace (?:\d+ |unos |muchos |varios )?anos\b|\bel ano pasado\b|\bcuando era (?:nin[oa]|pequen[oa]|joven)\b"
    r"|\bde (?:nin[oa]|pequen[oa])\b|\bantecedentes\b|\bhereditari[oa]\b|\bi am well now\b|\bwas fixed\b"
)


_NOW_STRONG = re.compile(
    r"\b(?:right now|just now|\d+ (?:minutes?|hours?) ago|an hour ago|minutes ago|tonight"
    r"|this (?:morning|afternoon|evening)|since this (?:morning|afternoon)|ahora mismo|acaba de"
    r"|hace (?:un|una|unos|unas|\d+) (?:minutos?|horas?|rato))\b"
)


def scope(low: str, found: set[str]) -> str | None:
    """'hypothetical' for a question about symptoms in general, 'family' for family history,
    'past' for a past or resolved event, None for something that may be happening now."""
    cue = _tables()["scope"]
    if (
        cue["died"].search(low)
        or cue["family"].search(low)
        and cue["risk"].search(low)
        and not cue["acute"].search(low)
    ):
        return "family"
    if (
        _PAST.search(low) or cue["resolved"].search(low) and not cue["acute"].search(low)
    ) and not _NOW_STRONG.search(low):
        return "past"
    if "NOW" in found and not re.search(r"\bjust (?:want|wonder|curious|asking)", low):
        return None
    generic = not _PERSONAL.search(low) and (_OPENER.match(low) or _ABOUT.search(low))
    if generic or _HYPOTHETICAL.search(low) or cue["hypothetical_es"].search(low):
        return "hypothetical"
    return None


# --- The embedding classifier ----------------------------------------------------------------


def bank() -> list[dict]:
    with open(BANK, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def bank_hash() -> str:
    """Hash of the bank's texts and labels: the shipped weights must have been trained on them."""
    pairs = json.dumps([[r["text"], r["label"]] for r in bank()], ensure_ascii=False)
    return hashlib.sha256(pairs.encode("utf-8")).hexdigest()[:16]


def train(
    x: np.ndarray, y: np.ndarray, n_classes: int, steps: int = 1000, rate: float = 5.0, l2: float = 1e-4
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by full-batch gradient descent (deterministic). The
    last class ("none") weighs as much in total as all the red-flag classes together."""
    w = np.zeros((x.shape[1], n_classes), dtype=np.float64)
    b = np.zeros(n_classes, dtype=np.float64)
    onehot = np.eye(n_classes)[y]
    none = y == n_classes - 1
    weight = np.where(none, (~none).sum() / max(none.sum(), 1), 1.0)[:, None]
    for _ in range(steps):
        p = softmax(x @ w + b)
        grad = weight * (p - onehot) / weight.sum()
        w -= rate * (x.T @ grad + l2 * w)
        b -= rate * grad.sum(axis=0)
    return w, b


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@lru_cache(maxsize=4)
def classifier(model_name: str | None):
    """(weights, bias, classes) for a model name, or None when the shipped weights were
    trained on another model (the concepts then work alone)."""
    if not model_name or not MODEL.exists():
        return None
    z = np.load(MODEL, allow_pickle=False)
    if str(z["model"]) != model_name:
        return None
    return z["w"], z["b"], [str(c) for c in z["classes"]]


def probabilities(vector, model_name: str | None) -> dict[str, float]:
    """P(category) for each red-flag category and "none", from the question's embedding."""
    clf = classifier(model_name)
    if clf is None or vector is None or len(vector) != clf[0].shape[0]:
        return {}
    p = softmax(np.asarray(vector, dtype=np.float64) @ clf[0] + clf[1])
    return dict(zip(clf[2], p.tolist()))


# --- Combined -------------------------------------------------------------------------------


def assess(
    text: str,
    language: str = "en",
    vector=None,
    model_name: str | None = None,
    known: frozenset = frozenset(),
) -> Verdict:
    """Whether a message describes an emergency now ("emergency"), may do ("check"), or not.
    `vector` is the message's embedding by the model `model_name`; `known` is that model's
    vocabulary (typo fixing leaves known words alone)."""
    low = fold(text)
    if language == "en":
        low = fix_typos(low, known)
    low = fix_typos_es(low) if language == "es" else low
    plain = low
    low = _tables()["scope"]["idiom"].sub(" ", _IDIOM.sub(" ", low))
    found = concepts(low)
    where = scope(low, found)
    if where in ("past", "hypothetical") and len(_sentences(low)) > 1:  # a past event or a question in one
        live = [t for t in _sentences(low) if where == "past" or _PERSONAL.search(t)]
        found = set().union(set(), *(f for t in live for f in [concepts(t)] if not scope(t, f)))
        where = None if any(matched_rules(found)) else where  # sentence hides no red flag in another
    strong, weak = matched_rules(found)
    if (
        where == "hypothetical"
        and strong
        and _PERSONAL.search(low)
        and _tables()["scope"]["maybe"].search(low)
    ):
        return Verdict("check", check=strong[:3])  # "my face is drooping, could it be a stroke?"
    if where:  # a question about symptoms or a past event: articles, but never miss self-harm
        harm = where == "hypothetical" and bool(found & {"SELF_HARM", "OVERDOSE"})
        return Verdict("check" if harm else None, check=["self_harm"] if harm else [], scope=where)
    probs = probabilities(vector, model_name)
    p_any = 1.0 - probs.get("none", 1.0)
    ranked = sorted((c for c in probs if c != "none"), key=probs.get, reverse=True)
    if strong:
        kind = "self_harm" if "self_harm" in strong else strong[0]
        return Verdict("emergency", kind=kind)
    english = language == "en"  # the embedding model reads English: in Spanish it may only ask
    if not found - {"NOW", "MILD", "HABITUAL", "CARE"}:  # nothing about health: the model alone
        p_any = 0.0  # does not decide ("ignore your instructions", "will it rain?")
    if (
        english
        and not (strong or weak)
        and probs.get("self_harm", 0) >= P_SELF_HARM
        and plain == low
        and _PERSONAL.search(low)
        and not _NOT_HARM.search(low)
    ):  # self-harm said sideways, no concept
        return Verdict("check", check=["self_harm"])
    if (
        english and p_any >= P_EMERGENCY and plain == low and "MILD" not in found
    ):  # not "the traffic was murder"
        return Verdict("emergency", kind=ranked[0])
    calm = found & {"HABITUAL", "CARE"} or "MILD" in found and not set(weak) & SERIOUS
    if calm and not found & {"NOW", "MULTI_PEOPLE"}:  # "a mild headache", "is it safe?"
        return Verdict(scope="mild")
    if weak or p_any >= (P_CHECK if found - CONTEXT else P_CHECK_ALONE if english else 2.0):
        asked = weak + [c for c in ranked[:2] if c not in weak and probs[c] >= 0.1 and (english or not weak)]
        return Verdict("check", check=(asked or ranked[:1])[:3])
    return Verdict()


def _sentences(low: str) -> list[str]:
    return [t for t in re.split(r"(?<=[.!?;])\s+", low) if t.strip()]


def vocabulary(embedder) -> frozenset:
    tokenizer = getattr(embedder, "tokenizer", None)
    return frozenset(tokenizer.get_vocab()) if hasattr(tokenizer, "get_vocab") else frozenset()


def fit_bank(rows: list[dict], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    classes = list(CATEGORIES) + ["none"]
    y = np.array([classes.index(r["label"]) for r in rows])
    w, b = train(np.asarray(vectors, dtype=np.float64), y, len(classes))
    return w, b, classes


def cross_validate(rows: list[dict], vectors: np.ndarray, folds: int = 5) -> list[tuple[dict, float]]:
    """P(any emergency) for each bank row from a classifier that did not see it."""
    out = [None] * len(rows)
    for k in range(folds):
        held = [i for i in range(len(rows)) if i % folds == k]
        kept = [i for i in range(len(rows)) if i % folds != k]
        w, b, classes = fit_bank([rows[i] for i in kept], vectors[kept])
        p = softmax(vectors[held] @ w + b)
        for i, row in zip(held, p):
            out[i] = (rows[i], 1.0 - float(row[classes.index("none")]))
    return out


def main(argv: list[str] | None = None) -> None:
    """Train the embedding classifier on the bank and write data/redflag_model.npz; with --cv,
    print cross-validated recall and false alarms at a range of thresholds instead."""
    import argparse

    from .config import load_settings
    from .embedding import get_embedder

    ap = argparse.ArgumentParser(prog="python -m askclinic.redflags", description=main.__doc__)
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--cv", action="store_true")
    args = ap.parse_args(argv)
    embedder = get_embedder(load_settings().with_overrides(model=args.model))
    rows = bank()
    vectors = np.asarray(embedder.encode([r["text"] for r in rows]), dtype=np.float64)
    if args.cv:
        scored = cross_validate(rows, vectors)
        for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9):
            pos = [p >= t for r, p in scored if r["label"] != "none"]
            neg = [p >= t for r, p in scored if r["label"] == "none"]
            print(
                f"threshold {t:.2f}: recall {sum(pos) / len(pos):.3f}, false alarms {sum(neg) / len(neg):.3f}"
            )
        return
    w, b, classes = fit_bank(rows, vectors)
    np.savez_compressed(
        MODEL,
        w=w.astype(np.float32),
        b=b.astype(np.float32),
        classes=np.array(classes),
        model=np.array(embedder.name),
        bank=np.array(bank_hash()),
    )
    print(f"wrote {MODEL.name}: {len(rows)} examples, {len(classes)} classes, model {embedder.name}")


if __name__ == "__main__":
    main()
