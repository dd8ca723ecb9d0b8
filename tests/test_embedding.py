"""The onnxruntime backend against plain sentence-transformers: same vectors, same counts;
both backends and the tests' fake are Embedders."""

from __future__ import annotations

import pytest

from askclinic.config import Settings
from askclinic.embedding import Embedder, get_embedder
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
    onnx, torch = get_embedder(Settings(embed_backend="onnx")), get_embedder(Settings(embed_backend="torch"))
    assert (type(onnx).__name__, type(torch).__name__) == ("OnnxEmbedder", "TorchEmbedder")
    assert isinstance(onnx, Embedder) and isinstance(torch, Embedder) and onnx is not torch
    a, b = onnx.encode(TEXTS), torch.encode(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert float((a * b).sum(1).min()) >= 0.999
    assert (onnx.dim, onnx.window) == (torch.dim, torch.window) == (384, 256)
    assert [onnx.count_tokens(t) for t in TEXTS] == [torch.count_tokens(t) for t in TEXTS]
    assert onnx.encode([]).shape == (0, 384)


def test_an_unknown_backend_is_named_in_the_error():
    with pytest.raises(ConfigError, match="ASKCLINIC_EMBED_BACKEND='gpu'"):
        get_embedder(Settings(embed_backend="gpu"))


def test_the_fake_embedder_is_an_embedder(fake_embedder):
    assert isinstance(fake_embedder, Embedder)
    assert fake_embedder.encode(["a b", "c"], progress=False).shape == (2, fake_embedder.dim)
