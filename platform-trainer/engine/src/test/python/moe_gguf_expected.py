#!/usr/bin/python3
"""What llama.cpp's convert_hf_to_gguf.py writes for the tiny mixture-of-experts checkpoints, as a JSON list the Java
GGUF export is compared with (MoeGgufExportTest), plus a read-back check of a GGUF file TuneForge wrote.

The expectation follows the converter's logic (conversion/llama.py LlamaModel for MixtralForCausalLM,
conversion/qwen.py Qwen2MoeModel / Qwen3MoeModel, conversion/base.py TextModel.set_gguf_parameters and
prepare_tensors), with the names taken from gguf-py's own tables (gguf.get_tensor_name_map, gguf.Keys):
  - Mixtral: architecture "llama", q/k rows permuted, each layer's experts stacked (torch.stack over the expert
    index) as layers.{i}.feed_forward.experts.{w1,w2,w3}.weight and mapped to blk.{i}.ffn_{gate,down,up}_exps;
  - Qwen2-MoE / Qwen3-MoE: architectures "qwen2moe" / "qwen3moe", no permutation, experts stacked as
    model.layers.{i}.mlp.experts.{gate,up,down}_proj.weight; Qwen2-MoE's shared expert and its gate unstacked;
  - metadata: <arch>.block_count, context_length, embedding_length, feed_forward_length, attention.head_count,
    attention.head_count_kv, rope.freq_base, attention.layer_norm_rms_epsilon, expert_count, expert_used_count,
    attention.key_length/value_length when the config has head_dim; llama adds vocab_size and rope.dimension_count;
    Qwen adds expert_feed_forward_length (moe_intermediate_size) and, for Qwen2-MoE,
    expert_shared_feed_forward_length;
  - storage type per requested file type: 1-D tensors, *_norm.weight, biases, ffn_gate_inp and ffn_gate_inp_shexp in
    F32; the rest in the requested type, falling back to F16 when a row is not whole Q8_0 blocks.

It also writes the fixtures the export needs and the existing tiny checkpoints lack:
  - models/qwen2moe-gguf-tiny: Qwen2-MoE with every layer sparse (llama.cpp's qwen2moe has no dense layers; the
    qwen2moe-tiny fixture has a dense layer 1, which the export refuses), shared expert, q/k/v biases;
  - export/tiny-bpe-tokenizer: a 64-token byte-level BPE tokenizer.json + tokenizer_config.json (the tiny models
    have vocab_size 64 and no tokenizer).

Run from the repository root with transformers 5.18 and gguf 0.19 (pip install gguf):
    python platform-trainer/engine/src/test/python/moe_gguf_expected.py platform-trainer/engine/src/test/resources
Check a GGUF file TuneForge wrote (names, shapes, types, metadata, and the tensor bytes against gguf-py's own
quantisation of the converter's tensors):
    python .../moe_gguf_expected.py --check MODEL_DIR FILE.gguf
"""
import json
import sys
from pathlib import Path

import gguf
import numpy as np
import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer, models, pre_tokenizers, decoders
from transformers import AutoConfig, AutoModelForCausalLM, Qwen2MoeConfig

MODELS = ["mixtral-tiny", "qwen2moe-gguf-tiny", "qwen3moe-tiny"]
FILE_TYPES = {"F32": gguf.LlamaFileType.ALL_F32, "F16": gguf.LlamaFileType.MOSTLY_F16,
              "Q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}
QTYPES = {"F32": gguf.GGMLQuantizationType.F32, "F16": gguf.GGMLQuantizationType.F16,
          "Q8_0": gguf.GGMLQuantizationType.Q8_0}
ARCHS = {"mixtral": gguf.MODEL_ARCH.LLAMA, "qwen2_moe": gguf.MODEL_ARCH.QWEN2MOE,
         "qwen3_moe": gguf.MODEL_ARCH.QWEN3MOE}
MIXTRAL_ROLES = ["w1", "w2", "w3"]
QWEN_ROLES = ["down_proj", "gate_proj", "up_proj"]


def qwen2_moe_all_sparse():
    """Qwen2-MoE as qwen2moe-tiny but with every layer sparse: 2 layers, 4 experts of width 16, top 2, shared expert
    of width 40, q/k/v biases."""
    return Qwen2MoeConfig(
        vocab_size=64, hidden_size=32, intermediate_size=48, moe_intermediate_size=16,
        shared_expert_intermediate_size=40, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        num_experts=4, num_experts_per_tok=2, norm_topk_prob=False, mlp_only_layers=[], decoder_sparse_step=1,
        max_position_embeddings=64, bos_token_id=1, eos_token_id=2, pad_token_id=0, tie_word_embeddings=False,
        architectures=["Qwen2MoeForCausalLM"])


def write_qwen2moe_fixture(target):
    torch.manual_seed(1234)
    model = AutoModelForCausalLM.from_config(qwen2_moe_all_sparse(), dtype=torch.float32)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.5)
    model.save_pretrained(target, safe_serialization=True)


def write_tokenizer(target):
    """64 tokens: <pad> <s> </s>, then 61 byte-level symbols; no merges (enough for GGUF metadata)."""
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    symbols = sorted(alphabet)[:61]
    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2}
    for i, s in enumerate(symbols):
        vocab[s] = 3 + i
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(["<pad>", "<s>", "</s>"])
    target.mkdir(parents=True, exist_ok=True)
    tok.save(str(target / "tokenizer.json"))
    (target / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
        "pad_token": "<pad>", "add_bos_token": False}, indent=2) + "\n")


def permute(weights, n_head, n_head_kv):
    """conversion/llama.py LlamaModel.permute."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def converter_tensors(model_dir):
    """(gguf name, float32 tensor) in the converter's order, as its modify_tensors yields them."""
    hp = AutoConfig.from_pretrained(model_dir).to_dict()
    arch = ARCHS[hp["model_type"]]
    blocks = hp["num_hidden_layers"]
    tmap = gguf.get_tensor_name_map(arch, blocks)
    n_experts = hp.get("num_local_experts") or hp.get("num_experts")
    state = load_file(str(Path(model_dir) / "model.safetensors"))
    pending = [dict() for _ in range(blocks)]
    out = []
    for name, data in state.items():
        data = data.to(torch.float32)
        bid = next((int(p) for p in name.split(".") if p.isdecimal()), None)
        if arch == gguf.MODEL_ARCH.LLAMA:
            if name.endswith(("q_proj.weight", "q_proj.bias")):
                data = permute(data, hp["num_attention_heads"], hp["num_attention_heads"])
            if name.endswith(("k_proj.weight", "k_proj.bias")):
                data = permute(data, hp["num_attention_heads"], hp["num_key_value_heads"])
            if "block_sparse_moe.experts" in name:
                pending[bid][name] = data
                if len(pending[bid]) >= n_experts * 3:
                    for wid in MIXTRAL_ROLES:
                        stacked = torch.stack([pending[bid].pop(
                            f"model.layers.{bid}.block_sparse_moe.experts.{x}.{wid}.weight")
                            for x in range(n_experts)], dim=0)
                        merged = f"layers.{bid}.feed_forward.experts.{wid}.weight"
                        out.append((tmap.get_name(merged, try_suffixes=(".weight", ".bias")), stacked))
                continue
        elif "experts" in name:
            pending[bid][name] = data
            if len(pending[bid]) >= n_experts * 3:
                for w in QWEN_ROLES:
                    stacked = torch.stack([pending[bid].pop(f"model.layers.{bid}.mlp.experts.{x}.{w}.weight")
                                           for x in range(n_experts)], dim=0)
                    merged = f"model.layers.{bid}.mlp.experts.{w}.weight"
                    out.append((tmap.get_name(merged, try_suffixes=(".weight", ".bias")), stacked))
            continue
        new_name = tmap.get_name(name, try_suffixes=(".weight", ".bias"))
        if new_name is None:
            raise ValueError(f"Can not map tensor {name!r}")
        out.append((new_name, data))
    return arch, hp, out


def storage_type(new_name, data, requested):
    """conversion/base.py prepare_tensors: which ggml type a tensor gets for a requested file type."""
    forced_f32 = (data.ndim <= 1 or new_name.endswith("_norm.weight")
                  or ".ffn_gate_inp." in new_name or ".ffn_gate_inp_shexp." in new_name
                  or new_name[-7:] not in (".weight", ".lora_a", ".lora_b"))
    if forced_f32:
        return "F32"
    if requested == "Q8_0" and data.shape[-1] % 32 != 0:
        return "F16"  # gguf.quants.quantize raises QuantError; the converter falls back to F16
    return requested


def metadata(arch, hp):
    """TextModel.set_gguf_parameters (+ LlamaModel's / Qwen2MoeModel's additions), keys as gguf.Keys formats them."""
    a = gguf.MODEL_ARCH_NAMES[arch]
    k = gguf.Keys.LLM
    att = gguf.Keys.Attention
    rope = gguf.Keys.Rope
    md = {
        k.BLOCK_COUNT.format(arch=a): hp["num_hidden_layers"],
        k.CONTEXT_LENGTH.format(arch=a): hp["max_position_embeddings"],
        k.EMBEDDING_LENGTH.format(arch=a): hp["hidden_size"],
        k.FEED_FORWARD_LENGTH.format(arch=a): hp["intermediate_size"],
        att.HEAD_COUNT.format(arch=a): hp["num_attention_heads"],
        att.HEAD_COUNT_KV.format(arch=a): hp["num_key_value_heads"],
        rope.FREQ_BASE.format(arch=a): float(np.float32((hp.get("rope_parameters") or {}).get("rope_theta")
                                                          or hp.get("rope_theta"))),
        att.LAYERNORM_RMS_EPS.format(arch=a): float(np.float32(hp["rms_norm_eps"])),
        k.EXPERT_COUNT.format(arch=a): hp.get("num_local_experts") or hp.get("num_experts"),
        k.EXPERT_USED_COUNT.format(arch=a): hp["num_experts_per_tok"],
    }
    if hp.get("head_dim") is not None:
        md[att.KEY_LENGTH.format(arch=a)] = hp["head_dim"]
        md[att.VALUE_LENGTH.format(arch=a)] = hp["head_dim"]
    if arch == gguf.MODEL_ARCH.LLAMA:
        md[k.VOCAB_SIZE.format(arch=a)] = hp["vocab_size"]
        md[rope.DIMENSION_COUNT.format(arch=a)] = hp.get("head_dim") or (hp["hidden_size"]
                                                                         // hp["num_attention_heads"])
    else:
        if hp.get("moe_intermediate_size") is not None:
            md[k.EXPERT_FEED_FORWARD_LENGTH.format(arch=a)] = hp["moe_intermediate_size"]
        if hp.get("shared_expert_intermediate_size") is not None:
            md[k.EXPERT_SHARED_FEED_FORWARD_LENGTH.format(arch=a)] = hp["shared_expert_intermediate_size"]
    return a, md


def expected(model_dir):
    arch, hp, tensors = converter_tensors(model_dir)
    name, md = metadata(arch, hp)
    listing = {}
    for new_name, data in tensors:
        listing[new_name] = {
            "ne": list(reversed(list(data.shape))),  # ggml order, innermost first
            "types": {t: storage_type(new_name, data, t) for t in QTYPES},
        }
    return {"architecture": name, "file_types": {t: int(v) for t, v in FILE_TYPES.items()},
            "ggml_types": {t: int(v) for t, v in QTYPES.items()}, "metadata": md, "tensors": listing}


def check(model_dir, gguf_file):
    """Reads a TuneForge GGUF with gguf-py and compares it with the converter's expectation, byte for byte."""
    exp = expected(model_dir)
    reader = gguf.GGUFReader(gguf_file)
    fields = {f.name: f for f in reader.fields.values()}
    arch = bytes(fields["general.architecture"].parts[-1]).decode()
    assert arch == exp["architecture"], (arch, exp["architecture"])
    file_type = int(fields["general.file_type"].parts[-1][0])
    requested = next(t for t, v in exp["file_types"].items() if v == file_type)
    for key, value in exp["metadata"].items():
        got = fields[key].parts[-1][0].item()
        assert got == value, (key, got, value)
    names = [t.name for t in reader.tensors]
    assert sorted(names) == sorted(exp["tensors"]), (sorted(set(names) ^ set(exp["tensors"])))
    _, _, reference = converter_tensors(model_dir)
    reference = dict(reference)
    for t in reader.tensors:
        e = exp["tensors"][t.name]
        assert [int(d) for d in t.shape] == e["ne"], (t.name, list(t.shape), e["ne"])
        want_type = QTYPES[e["types"][requested]]
        assert t.tensor_type == want_type, (t.name, t.tensor_type, want_type)
        ref = reference[t.name].numpy()
        want_bytes = gguf.quants.quantize(ref, want_type)
        assert np.asarray(t.data).tobytes() == want_bytes.tobytes(), t.name
        back = gguf.quants.dequantize(t.data, t.tensor_type).reshape(ref.shape)
        if want_type == gguf.GGMLQuantizationType.F32:
            assert np.array_equal(back, ref), t.name
    print(f"{gguf_file}: {len(names)} tensors, {len(exp['metadata'])} metadata keys as the converter writes them "
          f"({requested}); bytes equal gguf-py's quantisation")


def main():
    if sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3])
        return
    resources = Path(sys.argv[1])
    write_qwen2moe_fixture(resources / "models" / "qwen2moe-gguf-tiny")
    write_tokenizer(resources / "export" / "tiny-bpe-tokenizer")
    result = {"generator": {"gguf": gguf.__version__ if hasattr(gguf, "__version__") else "0.19",
                            "torch": torch.__version__}}
    for m in MODELS:
        result[m] = expected(resources / "models" / m)
    (resources / "export" / "moe-gguf-expected.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
