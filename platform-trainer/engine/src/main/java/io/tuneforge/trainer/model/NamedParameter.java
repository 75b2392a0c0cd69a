package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;

/**
 * A trainable array with its interchange name.
 *
 * @param name  the Hugging Face key for full/freeze tuning ({@code model.layers.7.mlp.up_proj.weight}) or the PEFT
 *              key for LoRA ({@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight})
 * @param array the parameter, {@code setRequiresGradient(true)}, owned by the model's manager
 */
public record NamedParameter(String name, NDArray array) {
}
