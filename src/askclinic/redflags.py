"""Emergency red flags in English and Spanish. Two detectors, combined so that recall comes
first: symptom concepts (many lay, misspelt and Spanish forms, in data/redflag_concepts.json)
combined per category with negation, hypothetical and past-event scope (redflag_concepts.py);
and a logistic regression over the question's embedding, trained on data/redflag_bank.jsonl by
`python -m askclinic.redflags` (weights shipped in data/redflag_model.npz), here with the
categories and `assess`, which combines the two. A clear red flag gives the emergency message;
the grey zone asks "is any of this happening now?" (a check)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .redflag_concepts import PERSONAL, concepts, matched_rules, normalise, read, tables

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
# Above P_SURE the classifier asks where the rules alone would not: a past event the scope
# rules set aside (not a question: "if he ever..."), an English first-person message with no
# health concept, a Spanish one with only context concepts. Chosen on round 3's totals with the
# bank that holds rounds 2 and 4-8: caught 96.8% -> 98.3%, no new false check on any set.
P_SURE = 0.90
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
        "INFANT",
        "ASKS_NORMAL",
        "ONLY_ME",
        "BP_NORMAL",
    }
)
_NO = re.compile(r"\b(?:no|not|without|sin|ni|nobody|none|never|didnt|dont|doesnt|wasnt|isnt)\b")
_NOT_HARM = re.compile(
    r"\b(?:dont|do not|not|never|no|wouldnt|would never)\b(?: \w+){0,3} (?:hurt|harm|kill|suicid|end|dark)"
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
    return {k: v[col] for k, v in tables()["labels"].items()}


# --- The embedding classifier ----------------------------------------------------------------


def bank(path: Path = BANK) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def bank_hash(path: Path = BANK) -> str:
    """Hash of the bank's texts and labels: the shipped weights must have been trained on them."""
    pairs = json.dumps([[r["text"], r["label"]] for r in bank(path)], ensure_ascii=False)
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


@lru_cache(maxsize=8)
def classifier(model_name: str | None, path: Path = MODEL):
    """(weights, bias, classes) for a model name, or None when the shipped weights were
    trained on another model (the concepts then work alone)."""
    if not model_name or not path.exists():
        return None
    z = np.load(path, allow_pickle=False)
    if str(z["model"]) != model_name:
        return None
    return z["w"], z["b"], [str(c) for c in z["classes"]]


def probabilities(vector, model_name: str | None, path: Path = MODEL) -> dict[str, float]:
    """P(category) for each red-flag category and "none", from the question's embedding (or
    for each class of another classifier saved by `save`); empty without weights for the model."""
    clf = classifier(model_name, path)
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
    plain, low = normalise(text, language, known)
    found, where = read(low)
    strong, weak = matched_rules(found)
    probs = probabilities(vector, model_name)
    english = language == "en"  # the embedding model reads English: in Spanish it may only ask
    if where:  # a question about symptoms or a past event: articles, but never miss self-harm
        sure = english and where == "past" and 1.0 - probs.get("none", 1.0) >= P_SURE
        return _set_aside(low, found, where, strong, _ranked(probs)[:2] if sure else [])
    if strong:
        kind = "self_harm" if "self_harm" in strong else strong[0]
        return Verdict("emergency", kind=kind)
    return _weigh(plain, low, found, weak, probs, english)


def _ranked(probs: dict[str, float]) -> list[str]:
    return sorted((c for c in probs if c != "none"), key=probs.get, reverse=True)


def _set_aside(low: str, found: set[str], where: str, strong: list[str], sure: list[str]) -> Verdict:
    """The verdict for a question about symptoms or a past event (`where`, the scope): no
    emergency message, but a check for a patient who asks about their own red flag ("my face
    is drooping, could it be a stroke?", "is it normal that my throat is closing?", read
    whole) or about self-harm."""
    whole = concepts(low) if where == "hypothetical" else found
    asks_me = PERSONAL.search(low) or "ASKS_NORMAL" in whole  # "¿es normal no poder...?"
    if where == "hypothetical" and asks_me and tables()["scope"]["maybe"].search(low):
        strong = strong or matched_rules(whole)[0]
        if strong:
            return Verdict("check", check=strong[:3])
    # Self-harm stated anywhere in the message ("whats the point. the pills are right here"), but
    # not an overdose or suicide only asked about ("can you overdose on caffeine?").
    stated = matched_rules(whole - {"OVERDOSE", "SUICIDE_WORD"})[0]
    harm = where == "hypothetical" and bool(found & {"SELF_HARM", "OVERDOSE"} or "self_harm" in stated)
    if sure and not harm:
        return Verdict("check", check=sure)
    return Verdict("check" if harm else None, check=["self_harm"] if harm else [], scope=where)


def _weigh(
    plain: str, low: str, found: set[str], weak: list[str], probs: dict[str, float], english: bool
) -> Verdict:
    """The verdict when no strong rule is met: the classifier's probabilities `probs`, the weak
    rules and the calming words ("mild", "usual") decide. `plain` is the message before idioms
    were blanked out (`low`)."""
    p_any = 1.0 - probs.get("none", 1.0)
    ranked = _ranked(probs)
    if not found - {"NOW", "MILD", "HABITUAL", "CARE"}:  # nothing about health: the model alone
        if english and p_any >= P_SURE and PERSONAL.search(low):
            return Verdict("check", check=ranked[:2])
        p_any = 0.0  # does not decide ("ignore your instructions", "will it rain?")
    if (
        english
        and not weak
        and probs.get("self_harm", 0) >= P_SELF_HARM
        and plain == low
        and PERSONAL.search(low)
        and not _NOT_HARM.search(low)
    ):  # self-harm said sideways, no concept
        return Verdict("check", check=["self_harm"])
    if (
        english
        and p_any >= P_EMERGENCY
        and plain == low
        and not found & {"MILD", "ONLY_ME", "BP_NORMAL"}
        and len(_NO.findall(low)) < 2
    ):  # not "the traffic was murder", "no jaw pain, no scalp tenderness", "only I have a headache", "bp 118/76"
        kind = ranked[0]
        if kind == "self_harm" and weak and "self_harm" not in weak:
            # a rule names the kind: "confused, keeps nodding off" gets the emergency number, not the crisis line
            kind = max(weak, key=probs.get)
        return Verdict("emergency", kind=kind)
    calm = (
        found & {"HABITUAL", "CARE"}
        or "ASKS_NORMAL" in found
        and not weak  # "is it normal for a baby to scream for hours?" is asked about
        or "MILD" in found
        and not set(weak) & SERIOUS
    )
    if calm and not found & {"NOW", "MULTI_PEOPLE"}:  # "a mild headache", "is it safe?"
        return Verdict(scope="mild")
    if weak or p_any >= (P_CHECK if found - CONTEXT else P_CHECK_ALONE if english else P_SURE):
        asked = weak + [c for c in ranked[:2] if c not in weak and probs[c] >= 0.1 and (english or not weak)]
        return Verdict("check", check=(asked or ranked[:1])[:3])
    return Verdict()


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
    save(MODEL, w, b, classes, embedder.name, BANK)


def save(path: Path, w: np.ndarray, b: np.ndarray, classes: list[str], model_name: str, bank_path: Path):
    """Write a classifier's weights with the model and the bank (its hash) it was trained on."""
    np.savez_compressed(
        path,
        w=w.astype(np.float32),
        b=b.astype(np.float32),
        classes=np.array(classes),
        model=np.array(model_name),
        bank=np.array(bank_hash(bank_path)),
    )
    print(f"wrote {path.name}: {len(bank(bank_path))} examples, {len(classes)} classes, model {model_name}")


if __name__ == "__main__":
    main()
