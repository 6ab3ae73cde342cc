"""A BERT sentence encoder in NumPy, for mean-pooled, normalised sentence-transformers models.

Why: importing torch and sentence-transformers costs 10-20 s per process,
which made every `casereview ask` start slowly. all-MiniLM-L6-v2 is a small
BERT (6 layers, 384 wide) with mean pooling and L2 normalisation; this runs
the same arithmetic from the same safetensors weights with NumPy and the
Rust ``tokenizers`` package, in well under a second of start-up. A contract
test checks its vectors against sentence-transformers' own (cosine > 0.9999).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np


def supports(model_dir: Path) -> bool:
    """True for a BERT model whose sentence-transformers pipeline is Transformer -> mean Pooling -> Normalize."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text())
        config = json.loads((model_dir / "config.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        return False
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    return (
        kinds == ["Transformer", "Pooling", "Normalize"]
        and config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and pooling.get("pooling_mode_mean_tokens") is True
        and not any(pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens"))
        and (model_dir / "model.safetensors").is_file()
        and (model_dir / "tokenizer.json").is_file()
    )


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


_ERF_P = np.float32(0.3275911)
_ERF_A = [np.float32(a) for a in (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)]
_INV_SQRT2 = np.float32(1.0 / np.sqrt(2.0))


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to within 5e-7 (Abramowitz and Stegun 7.1.26): float32 precision, far faster than scipy's.

    Written with in-place operations: on a (batch, tokens, 1536) array the
    temporaries, not the arithmetic, are what cost time.
    """
    a = np.abs(x)
    t = a * _ERF_P
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * _ERF_A[4]
    for coef in (_ERF_A[3], _ERF_A[2], _ERF_A[1], _ERF_A[0]):
        poly += coef
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a
    np.subtract(1.0, poly, out=poly)
    return np.copysign(poly, x, out=poly)


def _gelu(x: np.ndarray) -> np.ndarray:
    # every constant is float32: a float64 scalar would promote the arrays and push each matmul off BLAS
    return 0.5 * x * (1.0 + _erf(x * _INV_SQRT2))


class NumpyBertEncoder:
    """Texts to unit vectors, the same as sentence-transformers would give for a supported model."""

    def __init__(self, model_dir: Path, batch_size: int = 32) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text())
        st_config = json.loads((model_dir / "sentence_bert_config.json").read_text()) if (model_dir / "sentence_bert_config.json").is_file() else {}
        self.max_len = int(st_config.get("max_seq_length", config.get("max_position_embeddings", 512)))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.dimension = int(config["hidden_size"])
        self.batch_size = batch_size
        w = load_file(str(model_dir / "model.safetensors"))
        # dense weights stored transposed and contiguous, so each projection is one BLAS gemm
        self.w = {
            k.removeprefix("bert."): np.ascontiguousarray(v.T if k.endswith(".weight") and "encoder.layer" in k and v.ndim == 2 else v, dtype=np.float32)
            for k, v in w.items()
        }
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_len)
        self.tokenizer.no_padding()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not len(texts):
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            length = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), length), dtype=np.int64)
            mask = np.zeros((len(idx), length), dtype=np.float32)
            for row, i in enumerate(idx):
                tokens = encodings[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1.0
            out[idx] = self._forward(ids, mask)
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        batch, length = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length][None] + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        head_dim = self.dimension // self.heads
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for n in range(self.layers):
            p = f"encoder.layer.{n}."

            def proj(name: str, t: np.ndarray) -> np.ndarray:
                weight = w[p + name + ".weight"]
                return (t.reshape(-1, t.shape[-1]) @ weight).reshape(batch, length, weight.shape[1]) + w[p + name + ".bias"]

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, self.heads, head_dim).transpose(0, 2, 1, 3)

            q, k, v = (split(proj(f"attention.self.{name}", x)) for name in ("query", "key", "value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head_dim)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.dimension)
            x = _layer_norm(x + proj("attention.output.dense", context), w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], self.eps)
            hidden = _gelu(proj("intermediate.dense", x))
            x = _layer_norm(x + proj("output.dense", hidden), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
