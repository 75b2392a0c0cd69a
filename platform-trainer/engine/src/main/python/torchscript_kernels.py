"""Generates the TorchScript kernels TuneForge loads through DJL, and their reference outputs.

DJL's PyTorch JNI cannot hold bfloat16 arrays and has no fused attention (see shared/notes/stack-facts.md); these
scripted modules run inside libtorch and exchange only float32, int64 and uint8 arrays with DJL. Autograd flows
through them when DJL calls forward in training mode. TorchScript cannot reinterpret bytes (Tensor.view(dtype) does
not compile), so bfloat16 bits arrive as uint8 pairs and are decoded exactly with integer ops and a table of powers
of two.

Run from the repository root with PyTorch (generated with 2.13 CPU; libtorch 2.7.1 reads the archives):
    python platform-trainer/engine/src/main/python/torchscript_kernels.py
It writes:
    platform-trainer/engine/src/main/resources/io/tuneforge/trainer/kernels/{bf16_weights,bf16_linear,sdpa_fp32,sdpa_bf16,
        quantized_weights}.pt
    platform-trainer/engine/src/test/resources/kernels/kernel-reference.json   (fixed inputs -> outputs, gradients)
The Java test TorchScriptKernelsTest runs the committed archives on the same inputs and compares with the JSON, so an
archive that no longer matches this script fails the build. quantized_weights.pt is checked by QuantizedWeightStoreTest
against src/test/python/bnb_reference.py, an independent NumPy transcription of bitsandbytes' quantization.
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

    forward(x, slot, bits) has five uses, told apart by which argument is empty and by x's dtype:
      bits (out, in, 2) uint8, non-empty, slot 0-dim: little-endian bfloat16 bits of a whole weight; decoded exactly
          and stored at `slot` (slot == number stored so far appends). Returns an empty tensor. Call it in training
          mode (DJL forward(..., true)), or the stored tensor is an inference tensor that backward cannot save.
      bits (rows, in) float32, slot (3) int64 [i, first_row, out]: rows first_row .. first_row + rows of weight i
          (out, in), rounded to bfloat16 (exact for values a BF16 checkpoint holds; NaN payloads are not kept) and
          filled chunk by chunk so the caller never holds the whole weight; the chunk at first_row 0 allocates the
          weight (appending when i == number stored so far). Returns an empty tensor. (Decoding uint8 bits here
          runs ~40x slower than widening them in Java, so chunks arrive as float32.)
      x empty (numel 0), bits empty: returns the stored weight `slot` widened to float32 (out, in) (export, tests).
      x int64 token ids (...), bits empty: embedding lookup, rows of the stored (V, C) weight widened to float32
          (..., C) (exact; no gradient: the stored weight is frozen).
      otherwise: x (..., in) float32 -> (..., out) float32, computed in bfloat16; the gradient flows to x.
    slot is a 0-dim int64 tensor except for the chunked store.
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

    def store_rows(self, where: torch.Tensor, rows: torch.Tensor):
        i = int(where[0].item())
        first = int(where[1].item())
        if first == 0:
            weight = torch.empty(int(where[2].item()), rows.size(1), dtype=torch.bfloat16)
            if i == len(self.w):
                self.w.append(weight)
            else:
                self.w[i] = weight
        self.w[i][first:first + rows.size(0)].copy_(rows)                   # (rows, in) rounded to bfloat16

    def forward(self, x: torch.Tensor, slot: torch.Tensor, bits: torch.Tensor) -> torch.Tensor:
        if slot.dim() == 1:
            self.store_rows(slot, bits)
            return torch.zeros(0)
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
        if x.dtype == torch.int64:
            return F.embedding(x, self.w[i]).to(torch.float32)                # (..., C)
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


# bitsandbytes' 4-bit code books (bitsandbytes.functional.get_4bit_type): NF4 from the QLoRA paper; FP4 is the
# e2m1 format normalised by its largest value (12), in bit-pattern order (bit 3 = sign).
NF4_CODE = [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
            -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
            0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0]
FP4_CODE = [v / 12.0 for v in [0.0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0, -0.0, -0.0625, -8.0, -12.0, -4.0, -6.0,
                               -2.0, -3.0]]


def dynamic_map():
    """bitsandbytes.functional.create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): the 256 sorted
    values of the 8-bit dynamic tree type that double quantization stores the 4-bit scales in."""
    data = []
    for i in range(7):
        boundaries = torch.linspace(0.1, 1, 2 ** i + 1, dtype=torch.float32)
        means = (boundaries[:-1] + boundaries[1:]) / 2.0
        data += ((10 ** (-6 + i)) * means).tolist()
        data += (-(10 ** (-6 + i)) * means).tolist()
    data.append(0)
    data.append(1.0)
    data.sort()
    return torch.tensor(data, dtype=torch.float32)


def nearest_table(code):
    """(sorted distinct values, their first index in code, midpoints between neighbours) for nearest-code search
    with torch.searchsorted: a value at or below a midpoint takes the lower neighbour."""
    order = sorted(range(len(code)), key=lambda i: (code[i], i))
    values, index = [], []
    for i in order:
        if values and code[i] == values[-1]:
            continue                                              # FP4's -0.0 duplicates 0.0: keep index 0
        values.append(code[i])
        index.append(i)
    v = torch.tensor(values, dtype=torch.float32)
    return v, torch.tensor(index, dtype=torch.int64), (v[1:] + v[:-1]) / 2.0


class QuantizedWeights(torch.nn.Module):
    """The frozen base's linear weights quantized inside libtorch as bitsandbytes stores them, and y = x·Wᵀ with each
    weight dequantized per call (QLoRA).

    4 bits: blocks of 64 consecutive elements of the flattened (out, in) weight; each block stores its absmax
    (float32) and 64 codes of NF4 or FP4 (nearest code to value/absmax), two per byte, the first element in the high
    nibble. Double quantization stores the absmax values minus their mean as 8-bit dynamic-tree codes in blocks of
    256, with a float32 absmax per block and the mean (offset), as bitsandbytes' compress_statistics does.
    8 bits: per-row absmax and int8 codes round(127·w/absmax) (LLM.int8's vector-wise weight quantization, without
    the outlier decomposition and without quantizing activations).

    forward(mode, slot, a), mode and slot 0-dim int64:
      mode 0  a = x (..., in) float32 -> (..., out) float32; the weight dequantized to float32 and, with bf16 set,
              x and the weight cast to bfloat16 for the product. The gradient flows to x only.
      mode 1  a = weight (out, in) float32: quantized and stored at slot (slot == count appends). Returns (0).
      mode 2  the dequantized weight (out, in) float32.
      mode 3  packed codes: 4-bit (ceil(n/64)·32) uint8; 8-bit (out, in) int8.
      mode 4  scales as stored: float32 absmax per block (or per row), or uint8 codes with double quantization.
      mode 5  double quantization's float32 absmax per 256 scales (else (0)); mode 6 its offset () (else (0)).
      mode 7  bytes held by every stored weight's codes and scales, () int64.
      mode 8  a = (4) int64 [bits, fp4, double_quant, bf16]: configures the store; before any weight is stored.
    Call it in training mode (DJL forward(..., true)) so stored tensors are ordinary tensors.
    """

    bits: int
    fp4: bool
    double_quant: bool
    bf16: bool
    codes: List[torch.Tensor]
    scales: List[torch.Tensor]
    scales2: List[torch.Tensor]
    offsets: List[torch.Tensor]
    rows: List[int]
    cols: List[int]

    def __init__(self):
        super().__init__()
        self.bits = 4
        self.fp4 = False
        self.double_quant = True
        self.bf16 = False
        self.codes = []
        self.scales = []
        self.scales2 = []
        self.offsets = []
        self.rows = []
        self.cols = []
        for name, code in (("nf4", NF4_CODE), ("fp4", FP4_CODE)):
            values, index, mids = nearest_table(code)
            self.register_buffer(name + "_index", index)
            self.register_buffer(name + "_mids", mids)
            table = torch.tensor(code, dtype=torch.float32)
            byte = torch.arange(256)
            # byte -> (value of its high nibble, value of its low nibble): (256, 2)
            self.register_buffer(name + "_pairs", torch.stack([table[byte >> 4], table[byte & 15]], dim=1))
        dyn = dynamic_map()
        self.register_buffer("dyn_code", dyn)
        self.register_buffer("dyn_mids", (dyn[1:] + dyn[:-1]) / 2.0)

    def configure(self, a: torch.Tensor):
        if len(self.codes) > 0:
            raise RuntimeError("configure the quantized weight store before storing weights")
        self.bits = int(a[0].item())
        self.fp4 = int(a[1].item()) != 0
        self.double_quant = int(a[2].item()) != 0
        self.bf16 = int(a[3].item()) != 0

    def blockwise_absmax(self, flat: torch.Tensor, block: int):
        """flat (n) -> (scaled (nb, block) in [-1, 1], absmax (nb)); the tail block zero-padded."""
        pad = (-flat.numel()) % block
        if pad > 0:
            flat = torch.cat([flat, flat.new_zeros(pad)])
        blocks = flat.reshape(-1, block)                                     # (nb, block)
        absmax = blocks.abs().amax(dim=1)                                    # (nb)
        safe = torch.where(absmax > 0, absmax, torch.ones_like(absmax))
        scaled = torch.clamp(blocks * (1.0 / safe).unsqueeze(1), -1.0, 1.0)  # (nb, block)
        return scaled, absmax

    def store(self, i: int, w: torch.Tensor):
        w = w.detach().to(torch.float32)
        out_features, in_features = w.size(0), w.size(1)
        scales2 = w.new_zeros(0)
        offset = w.new_zeros(0)
        if self.bits == 8:
            absmax = w.abs().amax(dim=1)                                     # (out)
            safe = torch.where(absmax > 0, absmax, torch.ones_like(absmax))
            codes = torch.round(w * (127.0 / safe).unsqueeze(1)).to(torch.int8)   # (out, in)
            scales = absmax
        else:
            scaled, absmax = self.blockwise_absmax(w.reshape(-1), 64)          # (nb, 64), (nb)
            mids = self.fp4_mids if self.fp4 else self.nf4_mids
            index = self.fp4_index if self.fp4 else self.nf4_index
            q = index[torch.searchsorted(mids, scaled.reshape(-1).contiguous())]     # (nb·64) code numbers
            pairs = q.reshape(-1, 2)
            codes = ((pairs[:, 0] << 4) | pairs[:, 1]).to(torch.uint8)               # (nb·32)
            scales = absmax
            if self.double_quant:
                offset = absmax.mean()                                        # ()
                scaled2, scales2 = self.blockwise_absmax(absmax - offset, 256)     # (nb2, 256), (nb2)
                q2 = torch.searchsorted(self.dyn_mids, scaled2.reshape(-1).contiguous())
                scales = q2[:absmax.numel()].to(torch.uint8)                  # (nb)
        if i == len(self.codes):
            self.codes.append(codes)
            self.scales.append(scales)
            self.scales2.append(scales2)
            self.offsets.append(offset)
            self.rows.append(out_features)
            self.cols.append(in_features)
        else:
            self.codes[i] = codes
            self.scales[i] = scales
            self.scales2[i] = scales2
            self.offsets[i] = offset
            self.rows[i] = out_features
            self.cols[i] = in_features

    def absmax(self, i: int) -> torch.Tensor:
        """The float32 scale of each 64-block (4 bits, double quantization undone) or row (8 bits)."""
        s = self.scales[i]
        if self.bits == 4 and self.double_quant:
            nb = s.numel()
            s2 = self.scales2[i]
            pad = (-nb) % 256
            q = s.to(torch.int64)
            if pad > 0:
                q = torch.cat([q, q.new_zeros(pad)])
            values = (self.dyn_code[q].reshape(-1, 256) * s2.unsqueeze(1)).reshape(-1)[:nb]
            return values + self.offsets[i]
        return s

    def dequantize(self, i: int) -> torch.Tensor:
        out_features, in_features = self.rows[i], self.cols[i]
        if self.bits == 8:
            return self.codes[i].to(torch.float32) * self.scales[i].unsqueeze(1) * 7.874015718698502e-3
        pairs = self.fp4_pairs if self.fp4 else self.nf4_pairs
        values = pairs[self.codes[i].to(torch.int64)].reshape(-1, 64)         # (nb, 64)
        w = (values * self.absmax(i).unsqueeze(1)).reshape(-1)                 # (nb·64)
        return w[:out_features * in_features].reshape(out_features, in_features)

    def held_bytes(self) -> int:
        total = 0
        for t in self.codes + self.scales + self.scales2 + self.offsets:
            total += t.numel() * t.element_size()
        return total

    def forward(self, mode: torch.Tensor, slot: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        m = int(mode.item())
        i = int(slot.item())
        if m == 0:
            w = self.dequantize(i)                                            # (out, in) float32, no gradient
            if self.bf16:
                return F.linear(a.to(torch.bfloat16), w.to(torch.bfloat16)).to(torch.float32)
            return F.linear(a, w)
        if m == 1:
            self.store(i, a)
            return torch.zeros(0)
        if m == 2:
            return self.dequantize(i)
        if m == 3:
            return self.codes[i]
        if m == 4:
            return self.scales[i]
        if m == 5:
            return self.scales2[i]
        if m == 6:
            return self.offsets[i]
        if m == 7:
            return torch.tensor(self.held_bytes(), dtype=torch.int64)
        if m == 8:
            self.configure(a)
            return torch.zeros(0)
        raise RuntimeError("unknown mode")


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
    torch.jit.script(QuantizedWeights()).save(os.path.join(ARCHIVES, "quantized_weights.pt"))

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
    # the same weight stored in chunks of 2, 2 and 1 rows at slot 1, then looked up as an embedding
    for first, rows in ((0, 2), (2, 2), (4, 1)):
        weights(empty, torch.tensor([1, first, 5], dtype=torch.int64), w[first:first + rows])
    ids = torch.tensor([[4, 0, 2], [1, 1, 3]], dtype=torch.int64)
    ref["bf16_weights"]["ids"] = flat(ids)
    ref["bf16_weights"]["chunked_widened"] = flat(weights(empty, torch.tensor(1, dtype=torch.int64), empty))
    ref["bf16_weights"]["lookup"] = flat(weights(ids, torch.tensor(1, dtype=torch.int64), empty))
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
