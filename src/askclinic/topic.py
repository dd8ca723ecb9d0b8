"""Is a message about health at all? A logistic regression over the question's embedding,
trained on data/topic_bank.jsonl: messages people type into a clinic's chat, written for it
by hand. "health" covers symptoms, treatments, medicines, sleep, diet, exercise, mental health
and clinic matters (appointments, costs, insurance) for many kinds of clinic, including health
questions put in everyday words (rain and migraines, mattresses, screens at night);
"off_topic" covers weather, recipes, travel, cars, pets, tech, money, trivia and requests to
the bot, including words a health question might use in another sense (tyre pressure, a virus
on a laptop). Used together with the excerpts' score (excerpts.OFF_TOPIC): alone it would
refuse short clinic questions such as "what to bring"."""

from __future__ import annotations

import numpy as np

from . import redflags

BANK = redflags.DATA / "topic_bank.jsonl"
MODEL = redflags.DATA / "topic_model.npz"
CLASSES = ["health", "off_topic"]  # the last class weighs as much as the others together


def off_topic(vector, model_name: str | None) -> float:
    """P(the message is not about health or the clinic), 0-1; 0.0 without shipped weights for
    this embedding model."""
    return redflags.probabilities(vector, model_name, MODEL).get("off_topic", 0.0)


def main(argv: list[str] | None = None) -> None:
    """Train the classifier on data/topic_bank.jsonl and write data/topic_model.npz."""
    import argparse

    from .config import load_settings
    from .embedding import get_embedder

    ap = argparse.ArgumentParser(prog="python -m askclinic.topic", description=main.__doc__)
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    args = ap.parse_args(argv)
    embedder = get_embedder(load_settings().with_overrides(model=args.model))
    rows = redflags.bank(BANK)
    vectors = np.asarray(embedder.encode([r["text"] for r in rows]), dtype=np.float64)
    y = np.array([CLASSES.index(r["label"]) for r in rows])
    w, b = redflags.train(vectors, y, len(CLASSES))
    redflags.save(MODEL, w, b, CLASSES, embedder.name, BANK)


if __name__ == "__main__":
    main()
