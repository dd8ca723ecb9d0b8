"""The onnxruntime backend against plain sentence-transformers: same vectors, same counts."""

from __future__ import annotations

import pytest

from askclinic.embedding import get_embedder
from askclinic.errors import ConfigError

TEXTS = [
    "Does Botox help neck pain?",
    "Cluster headache: Treatment\nOxygen through a face mask stops many attacks within minutes.",
    "Does Botox help neck pain?",  # a repeat is embedded once but returned twice
    "word " * 400,  # longer than the model window: cut the same way
    "",
] + [f"Passage {i}: " + "migraine relief with rest and water. " * i for i in range(40)]
# ^ lengths from 5 to ~320 word pieces: several batches of the onnx backend's token budget,
#   whose rows must come back in the caller's order


@pytest.mark.model
def test_onnx_backend_matches_sentence_transformers():
    onnx, torch = get_embedder(backend="onnx"), get_embedder(backend="torch")
    assert type(onnx).__name__ == "OnnxEmbedder" and onnx is not torch
    a, b = onnx.encode(TEXTS), torch.encode(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert float((a * b).sum(1).min()) >= 0.999
    assert (onnx.dim, onnx.window) == (torch.dim, torch.window) == (384, 256)
    assert [onnx.count_tokens(t) for t in TEXTS] == [torch.count_tokens(t) for t in TEXTS]
    assert onnx.encode([]).shape == (0, 384)


def test_an_unknown_backend_is_named_in_the_error():
    with pytest.raises(ConfigError, match="ASKCLINIC_EMBED_BACKEND='gpu'"):
        get_embedder(backend="gpu")
