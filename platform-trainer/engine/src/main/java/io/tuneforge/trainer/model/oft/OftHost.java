package io.tuneforge.trainer.model.oft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tuneforge.trainer.model.Linear;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What {@link OftAdapter} needs of a model to save and attach OFT rotations (keeps the adapter format apart). */
public interface OftHost {

    /** The attached OFT configuration, if any. */
    Optional<OftConfig> oftConfig();

    /** The linears an OFT config targets, layer by layer in PEFT's module order. */
    List<Linear> oftTargets(OftConfig config);

    /**
     * Attaches OFT rotations with given weights ({@code oft_R.weight} (r, b(b−1)/2) by module path, float32 in
     * {@link #manager()}); trainable when {@code trainable}.
     */
    void attachOft(OftConfig config, Map<String, NDArray> weightsByModule, boolean trainable);

    /** The directory the model was loaded from (the adapter's base_model_name_or_path). */
    Path directory();

    /** The model's manager, which owns loaded adapter weights. */
    NDManager manager();
}
