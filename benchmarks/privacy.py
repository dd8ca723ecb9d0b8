"""How much personal detail `privacy.redact` removes, per kind, on the labelled sets
`tests/data/pii.jsonl` and `tests/data/pii_kinds.jsonl` (each row: text, expected; the
patterns were written against these), on `tests/data/pii_heldout.jsonl` (written after the
patterns, never used to change them), and how many real patient questions it changes
(`tests/data/{inscope,emergency,offtopic}.jsonl`, MedQuAD's dev questions when present).

Each tag in `expected` ([NAME], [PHONE], ...) marks a span of `text` that must go; a span is
caught when none of its words with a letter or digit is left in redact(text) where the
labelled output keeps it. Recall per kind = caught spans / labelled spans. Rows with no tag
must come back unchanged; the ones that do not are false alarms. Also counted: rows whose
output equals the label exactly.

    python benchmarks/privacy.py            # prints the table and updates docs/benchmarks.md
    python benchmarks/privacy.py --no-write
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from helpers import medquad, read_rows, write_section  # noqa: E402

DATA = ROOT / "tests" / "data"
SETS = [DATA / "pii.jsonl", DATA / "pii_kinds.jsonl"]
HELDOUT = [DATA / "pii_heldout.jsonl"]
QUESTIONS = [
    DATA / "inscope.jsonl",
    DATA / "emergency.jsonl",
    DATA / "offtopic.jsonl",
    *([MEDQUAD / "dev_questions.jsonl"] if (MEDQUAD := medquad()) else []),
]
TAG = re.compile(r"\[(NAME|PHONE|EMAIL|ADDRESS|DOB|SSN|ID|CARD)\]")
_PLAIN = {"at", "dot", "com", "org", "net", "dr", "mr", "mrs", "ms", "no", "is"}
KINDS = {
    "SSN": "social security numbers",
    "ID": "insurance, policy, Medicare, MRN numbers",
    "CARD": "payment cards",
    "PHONE": "phone numbers",
    "EMAIL": "emails",
    "ADDRESS": "street addresses and flats",
    "NAME": "names",
    "DOB": "dates of birth",
}


def rows(paths=SETS) -> list[dict]:
    return [row for path in paths for row in read_rows(path)]


def spans(text: str, expected: str) -> list[tuple[str, str]]:
    """(kind, original text) for each tag of `expected`: the label with each tag as a
    wildcard, matched against the whole text."""
    parts = TAG.split(expected)  # text, kind, text, kind, ..., text
    pattern = "".join(re.escape(p) if i % 2 == 0 else "(.+?)" for i, p in enumerate(parts))
    m = re.fullmatch(pattern, text, re.S)
    if m is None:
        raise ValueError(f"the label does not fit its text: {text!r} -> {expected!r}")
    return list(zip(parts[1::2], m.groups()))


def leaked(secret: str, output: str) -> bool:
    """True when a word of `secret` is still in `output` (words like "at" and "dot" of a
    hidden email, and titles, are not telling by themselves)."""
    pieces = [w.strip(".,'-") for w in re.findall(r"[\w'@.+-]+", secret)]
    telling = [p for p in pieces if len(p) > 1 and p.lower() not in _PLAIN]
    return any(re.search(rf"(?<![\w]){re.escape(p)}(?![\w])", output) for p in telling)


def measure(redact, data: list[dict] | None = None) -> dict:
    data = rows() if data is None else data
    labelled, caught, missed = Counter(), Counter(), []
    clean = alarms = exact = 0
    for row in data:
        out = redact(row["text"])
        exact += out == row["expected"]
        if row["text"] == row["expected"]:
            clean += 1
            if out != row["text"]:
                alarms += 1
                missed.append(("false alarm", row["text"], out))
            continue
        for kind, secret in spans(row["text"], row["expected"]):
            labelled[kind] += 1
            if leaked(secret, out):
                missed.append((kind, row["text"], out))
            else:
                caught[kind] += 1
    return {
        "rows": len(data),
        "exact": exact,
        "clean": clean,
        "alarms": alarms,
        "recall": {k: (caught[k], labelled[k]) for k in KINDS if labelled[k]},
        "missed": missed,
    }


def real_questions(redact, paths=QUESTIONS) -> tuple[int, list[tuple[str, str]]]:
    """How many real questions there are, and those redaction changed (question, output)."""
    n, changed = 0, []
    for path in paths:
        if not path.exists():
            continue
        for row in rows([path]):
            q = row.get("question") or ""
            n += 1
            if redact(q) != q:
                changed.append((q, redact(q)))
    return n, changed


def _table(res: dict) -> list[str]:
    lines = ["| kind | caught | recall |", "| --- | --- | --- |"]
    for kind, (got, n) in res["recall"].items():
        lines.append(f"| {KINDS[kind]} (`[{kind}]`) | {got} / {n} | {got / n:.2f} |")
    total = [sum(x) for x in zip(*res["recall"].values())]
    lines.append(f"| all | {total[0]} / {total[1]} | {total[0] / total[1]:.2f} |")
    lines += [
        "",
        f"Rows with nothing to remove changed by mistake: {res['alarms']} of {res['clean']}. "
        f"Output equal to the label: {res['exact']} of {res['rows']} rows.",
        "",
    ]
    if res["missed"]:
        lines += ["Missed:", ""] + [f"- {kind}: `{text}`" for kind, text, _ in res["missed"]] + [""]
    return lines


def markdown(dev: dict, held: dict, real: tuple[int, list]) -> str:
    lines = [
        "## Privacy: what redaction removes",
        "",
        "`python benchmarks/privacy.py`. A labelled span counts as caught when none of its words "
        "is left in the stored text.",
        "",
        f"### Labelled set: {dev['rows']} rows (`tests/data/pii.jsonl`, `pii_kinds.jsonl`)",
        "",
        "The patterns were written against this set, so it shows what they are meant to catch.",
        "",
    ]
    lines += _table(dev)
    lines += [
        f"### Held-out: {held['rows']} rows (`tests/data/pii_heldout.jsonl`)",
        "",
        "Written after the patterns and not used to change them: closer to what new wording gets.",
        "",
    ]
    lines += _table(held)
    lines += [
        "### Real questions",
        "",
        f"Of {real[0]:,} real patient questions (the in-scope, emergency and "
        f"off-topic sets and MedQuAD's dev questions), redaction changed {len(real[1])}:",
        "",
    ]
    lines += [f"- `{q[-90:]}` → `{out[-90:]}`" for q, out in real[1]]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md")
    args = parser.parse_args(argv)
    from askclinic.privacy import redact

    text = markdown(measure(redact), measure(redact, rows(HELDOUT)), real_questions(redact))
    print(text)
    if not args.no_write:
        write_section(ROOT / "docs" / "benchmarks.md", "<!-- privacy:start -->", "<!-- privacy:end -->", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
