"""Reference values of bitsandbytes' weight quantization for QuantizedWeightStoreTest, in NumPy.

bitsandbytes does not install here (no wheel for this platform in the local index), so this is an independent
transcription of its published algorithm and constants (bitsandbytes/functional.py: get_4bit_type, create_dynamic_map,
quantize_4bit with compress_statistics; bitsandbytes/backends/default/ops.py: quantize_4bit, quantize_blockwise,
dequantize_4bit, int8_vectorwise_quant), written with nearest-code search by argmin over the code book as the default
backend does (the TorchScript kernel uses torch.searchsorted over midpoints instead, so the two are not the same code).

Run from the repository root (NumPy only):
    python platform-trainer/engine/src/test/python/bnb_reference.py
It writes platform-trainer/engine/src/test/resources/kernels/bnb-reference.json.
"""
import json
import math
import os

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
OUT = os.path.join(ROOT, "src", "test", "resources", "kernels", "bnb-reference.json")

F32 = np.float32


def get_4bit_type(typename):
    if typename == "nf4":
        data = [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
                -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
                0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                0.7229568362236023, 1.0]
    else:  # fp4: 0b000 = 0, 0b001 = 0.0625, 0b010 = 8, 0b011 = 12, 0b100 = 4, 0b101 = 6, 0b110 = 2, 0b111 = 3
        data = [0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0, -0, -0.0625, -8.0, -12.0, -4.0, -6.0, -2.0, -3.0]
    data = np.array(data, dtype=F32)
    return data / np.abs(data).max()


def create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8):
    data = []
    non_sign_bits = total_bits - 1
    for i in range(max_exponent_bits):
        fraction_items = int(2 ** (i + non_sign_bits - max_exponent_bits) + 1)
        boundaries = np.linspace(0.1, 1, fraction_items, dtype=F32)
        means = (boundaries[:-1] + boundaries[1:]) / F32(2.0)
        data += ((10 ** (-(max_exponent_bits - 1) + i)) * means.astype(np.float64)).astype(F32).tolist()
        data += (-(10 ** (-(max_exponent_bits - 1) + i)) * means.astype(np.float64)).astype(F32).tolist()
    data.append(0)
    data.append(1.0)
    assert len(data) == 2 ** total_bits
    data.sort()
    return np.array(data, dtype=F32)


def blockwise(a, blocksize, code):
    """quantize_blockwise / quantize_4bit's scaling: (codes per element by argmin, absmax per block)."""
    n = a.size
    blocks = math.ceil(n / blocksize)
    absmax = np.zeros(blocks, dtype=F32)
    codes = np.zeros(n, dtype=np.int64)
    for b in range(blocks):
        part = a[b * blocksize:(b + 1) * blocksize]
        absmax[b] = np.abs(part).max()
        scaled = np.clip(part * (F32(1) / absmax[b]), -1, 1).astype(F32)
        codes[b * blocksize:(b + 1) * blocksize] = np.argmin(np.abs(scaled[:, None] - code[None, :]), axis=1)
    return codes, absmax


def quantize_4bit(w, quant_type, compress_statistics):
    flat = w.reshape(-1).astype(F32)
    code = get_4bit_type(quant_type)
    codes, absmax = blockwise(flat, 64, code)
    packed = (codes[0::2] << 4) | codes[1::2]
    state = {"codes": packed.tolist(), "absmax": absmax.tolist()}
    restored = absmax
    if compress_statistics:
        offset = absmax.mean(dtype=F32)
        dyn = create_dynamic_map()
        q2, absmax2 = blockwise((absmax - offset).astype(F32), 256, dyn)
        state.update(scales=q2.tolist(), scales2=absmax2.tolist(), offset=float(offset))
        # dequantize_blockwise(qabsmax, state2) + offset
        restored = np.zeros_like(absmax)
        for b in range(len(absmax2)):
            part = q2[b * 256:(b + 1) * 256]
            restored[b * 256:b * 256 + len(part)] = dyn[part] * absmax2[b]
        restored = (restored + offset).astype(F32)
    else:
        state.update(scales=absmax.tolist(), scales2=[], offset=None)
    state["absmax_restored"] = restored.tolist()
    values = code[codes].reshape(-1, 64) * restored[:, None]
    state["dequantized"] = values.reshape(-1)[:flat.size].astype(F32)
    return state


def quantize_8bit(w):
    row_stats = np.abs(w).max(axis=1).astype(F32)
    codes = np.round(w * (F32(127.0) / row_stats[:, None])).astype(np.int8)
    dequantized = (codes.astype(F32) * row_stats[:, None] * F32(7.874015718698502e-3)).astype(F32)
    return {"codes": codes.reshape(-1).tolist(), "scales": row_stats.tolist(), "scales2": [], "offset": None,
            "absmax_restored": row_stats.tolist(), "dequantized": dequantized.reshape(-1)}


def weight(rows, cols, seed):
    """The test weight Java rebuilds: 0.5·sin(0.37·k + seed)·(0.1 + 0.2·(r mod 5)), k the flat index, r the row
    (rows of different scale, so the per-block scales differ and double quantization has work to do)."""
    k = np.arange(rows * cols, dtype=np.float64)
    r = k // cols
    return (np.sin(k * 0.37 + seed) * 0.5 * (0.1 + 0.2 * (r % 5))).astype(F32).reshape(rows, cols)


def fixed(shape, seed):
    n = int(np.prod(shape))
    return (np.sin(np.arange(n, dtype=np.float64) * 0.37 + seed) * 0.5).astype(F32).reshape(shape)


def short(values):
    """float32 values as the shortest decimal that reads back as the same float32 (a small JSON file)."""
    return [float(str(np.float32(v))) for v in np.asarray(values, dtype=F32).reshape(-1)]


def main():
    cases = [("nf4", 4, "nf4", True, 24, 160), ("nf4_plain", 4, "nf4", False, 24, 160),
             ("fp4", 4, "fp4", True, 24, 160), ("fp4_plain", 4, "fp4", False, 24, 160),
             ("nf4_two_scale_blocks", 4, "nf4", True, 64, 300), ("int8", 8, "nf4", False, 24, 160)]
    out = {"weight": "0.5*sin(0.37*k + seed)*(0.1 + 0.2*(row mod 5)) over the flat index k, float32; seed 2.0",
           "x": "0.5*sin(0.37*i + 1.0) over the flat index i, shape (2, 3, in)", "cases": []}
    for name, bits, quant_type, dq, rows, cols in cases:
        w = weight(rows, cols, 2.0)
        state = quantize_4bit(w, quant_type, dq) if bits == 4 else quantize_8bit(w)
        for key in ("absmax", "scales2", "absmax_restored"):
            state[key] = short(state[key]) if key in state else None
        if not (bits == 4 and dq):
            state["scales"] = short(state["scales"])
        deq = state.pop("dequantized").reshape(rows, cols)
        x = fixed((2, 3, cols), 1.0).astype(np.float64)
        y = x @ deq.astype(np.float64).T                                   # (2, 3, rows)
        x_grad_row = deq.astype(np.float64).sum(axis=0)                    # d sum(y) / dx[b, t, :] (in)
        case = {"name": name, "bits": bits, "type": quant_type, "double_quantization": dq, "rows": rows,
                "cols": cols, **state, "rms_error": float(np.sqrt(np.mean((deq.astype(np.float64) - w) ** 2)))}
        if name in ("nf4", "fp4", "int8"):
            case["dequantized"] = short(deq)
            case["y"] = y.reshape(-1).tolist()
            case["x_grad_row"] = x_grad_row.tolist()
        out["cases"].append(case)
    with open(OUT, "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
