"""One settings object: defaults < `ASKCLINIC_*` environment variables < command-line flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .errors import ConfigError


def _default_data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "askclinic")


@dataclass(frozen=True)
class Settings:
    index: str = "index"
    data: str = ""  # ASKCLINIC_DATA; per-user folder when empty (see data_path)
    model: str = "all-MiniLM-L6-v2"  # bundled name, another installed model name, or a path
    # Abstain when the best passage's cosine similarity to the question is below this.
    # Chosen on the medquad dev questions and the off-topic set: see README "How no_match works".
    min_score: float = 0.40
    max_excerpts: int = 5
    per_article: int = 2
    clinic_name: str = "our clinic"
    clinic_phone: str = ""
    clinic_booking_url: str = ""
    emergency_number: str = "911"
    crisis_line: str = "988 (Suicide & Crisis Lifeline)"  # shown for self-harm questions
    rate_limit: int = 30  # requests per minute per client; 0 turns it off
    log_days: int = 90
    frame_ancestors: str = "'self'"  # who may put /widget in an iframe (CSP frame-ancestors)
    articles: str = "articles"  # source folders/files for the console's "Rebuild index", os.pathsep-separated
    staff_session_hours: int = 12
    sync_delay: float = 1.0  # seconds between requests to the clinic's site (askclinic sync)
    sync_deadline: float = 3600.0  # seconds one sync may take; then it stops, keeping what it saved
    sync_max_requests: int = 2000  # requests one sync may make (pages, feeds, sitemaps)
    max_question_chars: int = 1000
    # Proxies whose X-Forwarded-For/-Proto/-Host are believed (addresses or networks, comma-
    # separated); from anyone else these headers are dropped. Empty: no proxy is trusted.
    trusted_proxies: str = ""

    @property
    def data_path(self) -> Path:
        return Path(self.data or _default_data_dir())

    def with_overrides(self, **values) -> "Settings":
        """Apply non-None values (CLI flags) on top of these settings."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def _coerce(name: str, raw: str, kind):
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"ASKCLINIC_{name.upper()}={raw!r} is not a valid "
                          f"{kind.__name__}; fix or unset it") from None


def load_settings(env: dict | None = None) -> Settings:
    """Settings from defaults, overridden by ASKCLINIC_<FIELD> environment variables."""
    env = os.environ if env is None else env
    values = {}
    for f in fields(Settings):
        raw = env.get(f"ASKCLINIC_{f.name.upper()}")
        if raw is not None and raw != "":
            kind = {"int": int, "float": float}.get(str(f.type), str)
            values[f.name] = _coerce(f.name, raw, kind)
    return Settings(**values)
