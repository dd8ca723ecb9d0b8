"""Grouping questions by meaning, for the staff console's "What to write next": identical
questions counted together, similar ones gathered around a centroid, most asked first."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .log import question_key


@dataclass
class Group:
    """Questions asked alike: how often in all, the most asked one, the rest, the newest time."""

    count: int
    example: str
    others: list[str] = field(default_factory=list)
    last_asked: str = ""


def group_questions(rows: list[tuple[str, str]], embedder, threshold: float = 0.5) -> list[Group]:
    """Group (question, asked_at) rows by meaning: identical questions are counted together,
    then each distinct question joins the group whose centroid it is closest to (cosine at
    least `threshold`) or starts a new one. Most-asked groups first."""
    distinct: dict[str, list] = {}
    for q, at in rows:
        key = question_key(q)
        if not key:
            continue
        entry = distinct.setdefault(key, [q, 0, at])
        entry[1] += 1
        entry[2] = max(entry[2], at)
    items = sorted(distinct.values(), key=lambda e: e[2], reverse=True)  # newest first,
    items.sort(key=lambda e: -e[1])  # then most asked first (stable)
    if not items:
        return []
    vecs = embedder.encode([e[0] for e in items])
    sums: list[np.ndarray] = []
    members: list[list[int]] = []
    for i, v in enumerate(vecs):
        if sums:
            cents = np.stack([s / max(np.linalg.norm(s), 1e-9) for s in sums])
            sims = cents @ v
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                sums[best] = sums[best] + v
                members[best].append(i)
                continue
        sums.append(v.copy())
        members.append([i])
    groups = []
    for m in members:
        ordered = sorted(m, key=lambda i: -items[i][1])  # most asked, then newest (items order)
        groups.append(
            Group(
                count=sum(items[i][1] for i in m),
                example=items[ordered[0]][0],
                others=[items[i][0] for i in ordered[1:]],
                last_asked=max(items[i][2] for i in m),
            )
        )
    groups.sort(key=lambda g: g.last_asked, reverse=True)
    groups.sort(key=lambda g: -g.count)
    return groups
