#!/usr/bin/env bash
# GPU smoke check for the TuneForge trainer: greedy generation and a few LoRA training steps on a CUDA device.
#
# Needs: a built trainer (./mvnw -o -q -pl platform-trainer -am install -DskipTests), an NVIDIA driver, and a CUDA
# build of libtorch 2.7.1 that DJL 0.36.0 can load — either DJL's CUDA natives (run once with internet and
# PYTORCH_FLAVOR set to the CUDA flavour DJL publishes for 2.7.1, e.g. cu128; they are cached under ~/.djl.ai) or a
# local libtorch: PYTORCH_LIBRARY_PATH=/path/to/libtorch/lib PYTORCH_VERSION=2.7.1 PYTORCH_FLAVOR=cu128.
#
# Usage: scripts/gpu-check.sh [MODEL_DIR] [DEVICE]     (defaults: ../shared/fixtures/models/stories260K cuda;
#        DEVICE cpu runs the same checks without a GPU, to test the script itself)
# Prints one line per check and "GPU CHECK PASSED on cuda:0"; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="${1:-../shared/fixtures/models/stories260K}"
DEVICE="${2:-cuda}"
. scripts/find-jdk.sh
JAVA="$JAVA_HOME/bin/java"
JAR=platform-trainer/target/platform-trainer.jar
[ -f "$JAR" ] || { echo "build first: ./mvnw -o -q -pl platform-trainer -am install -DskipTests" >&2; exit 2; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2 || true

echo "== generate --device $DEVICE (stdout must be the generated text only)"
"$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR" generate --model "$MODEL" --prompt "Once upon a time" \
    --max-new-tokens 40 --temperature 0 --device "$DEVICE"

echo "== greedy reference + LoRA steps (fp16 frozen base, fp32 adapters) on $DEVICE"
"$JAVA" --enable-native-access=ALL-UNNAMED -cp "$JAR:platform-trainer/target/lib/*" \
    io.tuneforge.trainer.training.bench.GpuCheck "$MODEL" "$DEVICE"

echo "== LoRA steps on a 4-bit NF4 base quantized on the fly (QLoRA, quantized_weights.pt) on $DEVICE"
"$JAVA" --enable-native-access=ALL-UNNAMED -cp "$JAR:platform-trainer/target/lib/*" \
    io.tuneforge.trainer.training.bench.GpuCheck "$MODEL" "$DEVICE" 4

echo "== bench on the host CPU: fp32, bf16, and bf16 with a 4-bit base (bf16 kernels are CPU-only, DD019/DD027)"
for args in "--precision fp32" "--precision bf16" "--precision bf16 --quantization-bit 4"; do
    # shellcheck disable=SC2086
    "$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR" bench $args --steps 4 --warmup 1 2>/dev/null \
        | grep -E "^(shape|tokens/s|RSS)"
done
