"""One settings object: defaults < `askclinic.toml` < `ASKCLINIC_*` environment variables < flags.

The config file is `askclinic.toml` in the working folder, or the file named by
`ASKCLINIC_CONFIG`. Its keys are the field names below (`clinic_name = "Riverside Headache
Centre"`); lists (`starters`) are TOML arrays, in the environment `|`-separated."""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .errors import ConfigError

CONFIG_FILE = "askclinic.toml"
_ANCESTOR = re.compile(
    r"^(?:'self'|'none'|https?:|(?:https?://)?(?:\*\.)?[a-z0-9.-]+(?::(?:\d+|\*))?)$", re.I
)


def _default_data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "askclinic")


def _default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "askclinic")


def check_frame_ancestors(value: str) -> str:
    """The CSP frame-ancestors list, whitespace normalised, or ConfigError naming the setting."""
    tokens = value.split()
    if not tokens or not all(_ANCESTOR.match(t) for t in tokens):
        raise ConfigError(
            f"ASKCLINIC_FRAME_ANCESTORS={value!r} is not a list of origins; use e.g. "
            "\"'self' https://www.your-clinic.example\""
        )
    return " ".join(tokens)


def trusted_networks(value: str) -> tuple:
    """ASKCLINIC_TRUSTED_PROXIES: addresses or networks, separated by commas or spaces."""
    nets = []
    for token in value.replace(",", " ").split():
        try:
            nets.append(ipaddress.ip_network(token, strict=False))
        except ValueError:
            raise ConfigError(
                f"ASKCLINIC_TRUSTED_PROXIES: {token!r} is not an address or network; "
                "use e.g. 127.0.0.1 or 10.0.0.0/8, or leave it empty"
            ) from None
    return tuple(nets)


@dataclass(frozen=True)
class Settings:
    index: str = "index"
    data: str = ""  # ASKCLINIC_DATA; per-user folder when empty (see data_path)
    cache: str = ""  # ASKCLINIC_CACHE; where the ONNX export is kept (see cache_path)
    model: str = "all-MiniLM-L6-v2"  # bundled name, another installed model name, or a path
    embed_backend: str = "onnx"  # "onnx" (same vectors as torch, faster on CPU) or "torch"
    # Abstain when the best passage's score is below this (see README "How no_match works").
    min_score: float = 0.40
    max_excerpts: int = 5
    per_article: int = 2
    clinic_name: str = "our clinic"
    clinic_phone: str = ""
    clinic_booking_url: str = ""
    # What the clinic's articles are about, in the patient page's intro and the "please type
    # a question" message; and the questions offered before the first one is typed.
    topic: str = "headaches, migraine or our treatments"
    starters: tuple[str, ...] = (
        "Does Botox help neck pain?",
        "What are the signs of a cluster headache?",
        "Can caffeine trigger migraines?",
        "What happens at my first visit?",
    )
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

    def __post_init__(self):
        object.__setattr__(self, "frame_ancestors", check_frame_ancestors(self.frame_ancestors))
        object.__setattr__(self, "starters", tuple(self.starters))
        trusted_networks(self.trusted_proxies)
        if self.embed_backend.lower() not in ("onnx", "torch"):
            raise ConfigError(f"ASKCLINIC_EMBED_BACKEND={self.embed_backend!r}: use one of onnx, torch")

    @property
    def data_path(self) -> Path:
        return Path(self.data or _default_data_dir())

    @property
    def article_sources(self) -> list[str]:
        """The `articles` setting as a list of folders/files."""
        return [p for p in self.articles.split(os.pathsep) if p.strip()]

    @property
    def cache_path(self) -> Path:
        return Path(self.cache or _default_cache_dir())

    def with_overrides(self, **values) -> "Settings":
        """Apply non-None values (CLI flags) on top of these settings."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


_KINDS = {
    f.name: {"int": int, "float": float, "tuple[str, ...]": tuple}.get(str(f.type), str)
    for f in fields(Settings)
}


def _coerce(name: str, raw, where: str):
    kind = _KINDS[name]
    if kind is tuple:
        items = raw.split("|") if isinstance(raw, str) else raw
        if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{where}: {name} must be a list of texts; fix or remove it")
        return tuple(i.strip() for i in items if i.strip())
    if (
        isinstance(raw, bool)
        or (kind is str and not isinstance(raw, str))
        or (kind is int and isinstance(raw, float))
    ):
        raise ConfigError(f"{where}: {name}={raw!r} is not a {kind.__name__}; fix or remove it")
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(
            f"{where}: {name}={raw!r} is not a valid {kind.__name__}; fix or remove it"
        ) from None


def _read_file(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the config file ({e.strerror or e})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML ({e}); fix the file") from None
    unknown = sorted(set(data) - set(_KINDS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting {unknown[0]!r}; the settings are listed in the README's Settings table"
        )
    return {k: _coerce(k, v, str(path)) for k, v in data.items()}


def load_settings(env: dict | None = None, config: str | Path | None = None) -> Settings:
    """Settings from defaults, then the config file (`config`, else $ASKCLINIC_CONFIG, else
    ./askclinic.toml when it exists), then ASKCLINIC_<FIELD> environment variables."""
    env = os.environ if env is None else env
    named = config or env.get("ASKCLINIC_CONFIG")
    path = Path(named) if named else Path(CONFIG_FILE)
    if named and not path.is_file():
        raise ConfigError(f"ASKCLINIC_CONFIG={named}: no such file; fix the path or unset it")
    values = _read_file(path) if path.is_file() else {}
    for name in _KINDS:
        raw = env.get(f"ASKCLINIC_{name.upper()}")
        if raw is not None and raw != "":
            values[name] = _coerce(name, raw, f"ASKCLINIC_{name.upper()}")
    return Settings(**values)
