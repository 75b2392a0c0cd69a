package io.tuneforge.trainer.export;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code export-gguf} writes.
 *
 * @param modelDir   Hugging Face model directory (config.json, safetensors, tokenizer files)
 * @param adapterDir PEFT LoRA adapter merged into the weights first, if any
 * @param out        the .gguf file to write; the {@code Modelfile} goes beside it
 * @param type       storage type of the 2-D weights (1-D tensors always stay F32, as llama.cpp does)
 * @param chatFormat Modelfile chat format; empty = detected from the chat template (raw when there is none)
 * @param force      overwrite an existing output file
 */
public record GgufExportOptions(Path modelDir, Optional<Path> adapterDir, Path out, GgmlType type,
                                Optional<ChatFormat> chatFormat, boolean force) {
}
