#!/usr/bin/env bash
# Runs LLaMA-Factory example configs through `platform-trainer.jar train --config` on a tiny model, changing only
# what the issues allow: the model path, the data folder, the step count (max_steps), max_samples, the output folder,
# and dropping `deepspeed:` lines (DeepSpeed has its own issue; `bf16: true` is kept). Prints one line a
# file: "ran" with the last progress line, or "refused" with the trainer's message.
#
#   scripts/llamafactory-examples.sh [--model DIR] [--data DIR] [--steps N] [--cutoff N] [--template NAME] FILE.yaml...
#
# --cutoff replaces cutoff_len (CPU time: LLaMA-Factory's 2048 makes one DPO step take minutes on a 2-core host);
# --template replaces template (until the template issue lands for templates the tiny model's tokenizer lacks).
#
# Defaults: ../shared/fixtures/models/stories260K, ../shared/fixtures/datasets/llama_factory, 2 steps.
# Build first: ./mvnw -q package -DskipTests
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh

model="$(pwd)/../shared/fixtures/models/stories260K"
data="$(pwd)/../shared/fixtures/datasets/llama_factory"
steps=2
cutoff=""
template=""
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --cutoff) cutoff="$2"; shift 2 ;;
    --template) template="$2"; shift 2 ;;
    *) break ;;
  esac
done
jar="$(pwd)/platform-trainer/target/platform-trainer.jar"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for example in "$@"; do
  name="$(basename "$(dirname "$example")")/$(basename "$example")"
  run="$work/$(echo "$name" | tr '/' '_')"
  mkdir -p "$run"
  sed -E -e "s|^model_name_or_path:.*|model_name_or_path: $model|" \
         -e "s|^num_train_epochs:.*|max_steps: $steps|" \
         -e "s|^max_samples:.*|max_samples: 8|" \
         -e "s|^output_dir:.*|output_dir: $run/out|" \
         -e "/^deepspeed:/d" "$example" > "$run/config.yaml"
  [ -n "$cutoff" ] && sed -i -E "s|^cutoff_len:.*|cutoff_len: $cutoff|" "$run/config.yaml"
  [ -n "$template" ] && sed -i -E "s|^template:.*|template: $template|" "$run/config.yaml"
  grep -q '^max_steps:' "$run/config.yaml" || echo "max_steps: $steps" >> "$run/config.yaml"
  grep -q '^dataset_dir:' "$run/config.yaml" || echo "dataset_dir: $data" >> "$run/config.yaml"
  if (cd "$run" && java --enable-native-access=ALL-UNNAMED -jar "$jar" train --config config.yaml \
        > stdout.txt 2> stderr.txt); then
    echo "ran      $name: $(grep -o 'completed after [^;]*' "$run/stderr.txt" | tail -1)"
  else
    echo "refused  $name: $(grep '^error:' "$run/stderr.txt" | head -1 | cut -c1-220)"
  fi
done
