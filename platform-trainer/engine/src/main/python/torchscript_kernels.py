"""Generates the TorchScript kernels TuneForge loads through DJL, and their reference outputs.

DJL's PyTorch JNI cannot hold bfloat16 arrays and has no fused attention (see shared/notes/stack-facts.md); these
scripted modules run inside libtorch and exchange only float32, int64 and uint8 arrays with DJL. Autograd flows
through them when DJL calls forward in training mode. TorchScript cannot reinterpret bytes (Tensor.view(dtype) does
not compile), so bfloat16 bits arrive as uint8 pairs and are decoded exactly with integer ops and a table of powers
of two.

Run from the repository root with PyTorch (generated with 2.13 CPU; libtorch 2.7.1 reads the archives):
    python platform-trainer/engine/src/main/python/torchscript_kernels.py
It writes:
    platform-trainer/engine/src/main/resources/io/tuneforge/trainer/kernels/{bf16_weights,bf16_linear,sdpa_fp32,sdpa_bf16}.pt
    platform-trainer/engine/src/test/resources/kernels/kernel-reference.json   (fixed inputs -> outputs, gradients)
The Java test TorchScriptKernelsTest runs the committed archives on the same inputs and compares with the JSON, so an
archive that no longer matches this script fails the build.
"""
import json
import math
import os
from typing import List

import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
ARCHIVES = os.path.join(ROOT, "src", "main", "resources", "io", "tuneforge", "trainer", "kernels")
REFERENCE = os.path.join(ROOT, "src", "test", "resources", "kernels", "kernel-reference.json")


class Bf16Weights(torch.nn.Module):
    """The frozen base's linear weights held in bfloat16 inside libtorch, and y = x·Wᵀ computed with them.

    forward(x, slot, bits) has three uses, told apart by which argument is empty:
      bits (out, in, 2) uint8, non-empty: little-endian bfloat16 bits of a weight; decoded exactly and stored at
          `slot` (slot == number stored so far appends). Returns an empty tensor. Call it in training mode (DJL
          forward(..., true)), or the stored tensor is an inference tensor that backward cannot save.
      x empty (numel 0), bits empty: returns the stored weight `slot` widened to float32 (out, in) (export, tests).
      otherwise: x (..., in) float32 -> (..., out) float32, computed in bfloat16; the gradient flows to x.
    slot is a 0-dim int64 tensor.
    """

    w: List[torch.Tensor]

    def __init__(self):
        super().__init__()
        self.w = []
        # 2^(e - 134) for a bfloat16 exponent field e (e = 0: 2^-133, the subnormal scale); exact in float32
        self.register_buffer("pow2", torch.tensor([2.0 ** (max(e, 1) - 134) for e in range(256)],
                                                  dtype=torch.float32))

    def decode(self, bits: torch.Tensor) -> torch.Tensor:
        b = bits.to(torch.int32)
        word = b[..., 0] | (b[..., 1] << 8)                                  # (out, in) 16-bit patterns
        exponent = (word >> 7) & 0xFF
        mantissa = (word & 0x7F).to(torch.float32)
        significand = torch.where(exponent > 0, mantissa + 128.0, mantissa)
        value = significand * self.pow2[exponent.to(torch.int64)]           # exact: ≤ 8 significant bits
        special = torch.where(mantissa == 0.0, torch.full_like(value, float("inf")),
                              torch.full_like(value, float("nan")))
        value = torch.where(exponent == 255, special, value)
        negative = ((word >> 15) & 1) == 1
        value = torch.where(negative, -value, value)
        return value.to(torch.bfloat16)                                      # exact: value is a bfloat16 number

    def forward(self, x: torch.Tensor, slot: torch.Tensor, bits: torch.Tensor) -> torch.Tensor:
        i = int(slot.item())
        if bits.numel() > 0:
            weight = self.decode(bits)
            if i == len(self.w):
                self.w.append(weight)
            else:
                self.w[i] = weight
            return torch.zeros(0)
        if x.numel() == 0:
            return self.w[i].to(torch.float32)
        return F.linear(x.to(torch.bfloat16), self.w[i]).to(torch.float32)


class Bf16Linear(torch.nn.Module):
    """y = x·Wᵀ computed in bfloat16 with a float32 weight cast per call (as torch.autocast does): the weights that
    train (full, freeze) and the LM head. x (..., in) float32, w (out, in) float32; gradients reach both."""

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return F.linear(x.to(torch.bfloat16), w.to(torch.bfloat16)).to(torch.float32)   # (..., out)


class Sdpa(torch.nn.Module):
    """Grouped-query attention by torch's scaled_dot_product_attention.

    q: (B, H, T, hd); k, v: (B, KV, S, hd) with H a multiple of KV (query head h uses key/value head h // (H/KV), as
    transformers' repeat_kv); mask: (T, S) additive float32 mask, or a 0-dim tensor for the plain causal mask (T == S).
    Returns (B, H, T, hd) float32. With bf16, q, k and v are cast to bfloat16 inside (the gradient is kept).
    """

    bf16: bool

    def __init__(self, bf16: bool):
        super().__init__()
        self.bf16 = bf16

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        groups = q.size(1) // k.size(1)
        if groups > 1:
            k = k.repeat_interleave(groups, dim=1)                          # (B, H, S, hd)
            v = v.repeat_interleave(groups, dim=1)                          # (B, H, S, hd)
        if self.bf16:
            q = q.to(torch.bfloat16)
            k = k.to(torch.bfloat16)
            v = v.to(torch.bfloat16)
        if mask.dim() == 0:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask.to(q.dtype))
        return out.to(torch.float32)                                         # (B, H, T, hd)


def fixed(shape, seed):
    """Deterministic inputs Java rebuilds: 0.5·sin(0.37·i + seed) over the flat index i, in float32."""
    n = math.prod(shape)
    return (torch.sin(torch.arange(n, dtype=torch.float64) * 0.37 + seed) * 0.5).float().reshape(shape)


def bf16_bytes(t):
    """(…, 2) uint8 little-endian bfloat16 bits of t (round to nearest even)."""
    bits = t.to(torch.bfloat16).view(torch.int16).to(torch.int32) & 0xFFFF
    return torch.stack([bits & 0xFF, bits >> 8], dim=-1).to(torch.uint8)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def window_mask(t, window):
    mask = torch.full((t, t), -1e9)
    for i in range(t):
        for j in range(t):
            if j <= i and i - j < window:
                mask[i, j] = 0.0
    return mask


def main():
    os.makedirs(ARCHIVES, exist_ok=True)
    os.makedirs(os.path.dirname(REFERENCE), exist_ok=True)
    weights = torch.jit.script(Bf16Weights())
    linear = torch.jit.script(Bf16Linear())
    sdpa32 = torch.jit.script(Sdpa(False))
    sdpa16 = torch.jit.script(Sdpa(True))
    weights.save(os.path.join(ARCHIVES, "bf16_weights.pt"))
    linear.save(os.path.join(ARCHIVES, "bf16_linear.pt"))
    sdpa32.save(os.path.join(ARCHIVES, "sdpa_fp32.pt"))
    sdpa16.save(os.path.join(ARCHIVES, "sdpa_bf16.pt"))

    ref = {"torch": torch.__version__, "inputs": "0.5*sin(0.37*i + seed) over the flat index i, float32"}
    slot = torch.tensor(0, dtype=torch.int64)
    empty = torch.zeros(0)
    # Bf16Weights: x (2, 3, 8), w (5, 8)
    w = fixed((5, 8), 2.0)
    weights(empty, slot, bf16_bytes(w))
    x = fixed((2, 3, 8), 1.0).requires_grad_(True)
    y = weights(x, slot, empty)
    y.sum().backward()
    ref["bf16_weights"] = {"x_shape": [2, 3, 8], "x_seed": 1.0, "w_shape": [5, 8], "w_seed": 2.0,
                           "y": flat(y), "x_grad": flat(x.grad), "w_widened": flat(weights(empty, slot, empty))}
    # Bf16Linear with a float32 weight that trains
    x = fixed((2, 3, 8), 1.0).requires_grad_(True)
    w32 = fixed((5, 8), 2.0).requires_grad_(True)
    y = linear(x, w32)
    y.sum().backward()
    ref["bf16_linear"] = {"y": flat(y), "x_grad": flat(x.grad), "w_grad": flat(w32.grad)}
    # attention: B=1, H=4, KV=2, T=S=6, hd=8; causal, then with a sliding window of 3
    shapes = {"q": [1, 4, 6, 8], "k": [1, 2, 6, 8], "v": [1, 2, 6, 8]}
    seeds = {"q": 3.0, "k": 4.0, "v": 5.0}
    for name, module in (("sdpa_fp32", sdpa32), ("sdpa_bf16", sdpa16)):
        q, k, v = (fixed(shapes[n], seeds[n]).requires_grad_(True) for n in ("q", "k", "v"))
        out = module(q, k, v, torch.tensor(0.0))
        out.sum().backward()
        out_w = module(fixed(shapes["q"], 3.0), fixed(shapes["k"], 4.0), fixed(shapes["v"], 5.0), window_mask(6, 3))
        ref[name] = {"shapes": shapes, "seeds": seeds, "out": flat(out), "q_grad": flat(q.grad),
                     "k_grad": flat(k.grad), "v_grad": flat(v.grad), "window": 3, "out_window": flat(out_w)}
    with open(REFERENCE, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
