package io.tuneforge.web.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.artifact.StoredObject;
import io.tuneforge.core.job.Artifact;
import io.tuneforge.core.job.ArtifactRepository;
import io.tuneforge.trainer.model.Linear;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Plays the worker's last part for view tests: stores a job's result in the artifact store, records it, and marks
 * the job succeeded — as {@code JobQueue.recordArtifact} and {@code succeed} do for a real run.
 */
public final class TunedJobs {

    private TunedJobs() {
    }

    /** A writer of the job's result folder. */
    @FunctionalInterface
    public interface ResultWriter {
        void write(Path emptyDirectory) throws IOException;
    }

    /** Stores {@code result} as the job's adapter and marks the job succeeded. */
    public static void succeedWith(long jobId, ResultWriter result, ArtifactStore store, ArtifactRepository artifacts,
            JdbcTemplate jdbc) {
        StoredObject stored = store.writeDirectory(ArtifactStore.artifactKey(jobId, "adapter"), result::write);
        artifacts.save(new Artifact(jobId, ArtifactKind.ADAPTER, stored.key(), stored.sizeBytes(), stored.sha256()));
        jdbc.update("update fine_tuning_jobs set status = 'succeeded', finished_at = now(), updated_at = now() "
                + "where id = ?", jobId);
    }

    /**
     * Writes a real PEFT LoRA adapter for {@code modelDir} on q_proj and v_proj with seeded random, non-zero A and B
     * (large enough that the tuned model answers differently from its base).
     */
    public static void writeLoraAdapter(Path modelDir, Path target) throws IOException {
        LoraConfig config = new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"), false);
        Random random = new Random(1234);
        try (LlamaModel model = LlamaModel.load(modelDir, ModelOptions.inference())) {
            Map<String, NDArray[]> weights = new HashMap<>();
            for (Linear linear : model.loraTargets(config)) {
                NDArray a = model.manager().create(gaussian(random, config.rank() * linear.inFeatures()),
                        new Shape(config.rank(), linear.inFeatures()));
                NDArray b = model.manager().create(gaussian(random, linear.outFeatures() * config.rank()),
                        new Shape(linear.outFeatures(), config.rank()));
                weights.put(linear.path(), new NDArray[] {a, b});
            }
            model.attachLora(config, weights, false);
            PeftAdapter.save(model, target);
        }
    }

    /** An adapter folder that cannot load: its config is there, its weights are not. */
    public static void writeBrokenAdapter(Path target) throws IOException {
        Files.writeString(target.resolve(PeftAdapter.CONFIG_FILE), """
                {"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"]}
                """);
    }

    private static float[] gaussian(Random random, long n) {
        float[] values = new float[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.5);
        }
        return values;
    }
}
