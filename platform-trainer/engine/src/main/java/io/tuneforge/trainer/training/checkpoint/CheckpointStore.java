package io.tuneforge.trainer.training.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.tuneforge.shared.files.FileTrees;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.model.TrainableModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code checkpoint-<step>/} directories of a run's output directory. Each holds:
 * <ul>
 *   <li>the model's user-facing artefact ({@link TrainableModel#saveTrained}, e.g. a PEFT adapter),</li>
 *   <li>{@value #TRAINABLE_FILE}: every trainable parameter by its trainer name, FLOAT32 (exact resume),</li>
 *   <li>{@value #OPTIMIZER_FILE}: AdamW's moments ({@code exp_avg.<name>}, {@code exp_avg_sq.<name>}),</li>
 *   <li>{@value #STATE_FILE}: {@link TrainerState} (steps, scheduler position, RNG scheme, data position).</li>
 * </ul>
 * A checkpoint is written into a hidden temporary directory and renamed into place, so a crash never leaves a
 * half-written {@code checkpoint-<step>}.
 */
public final class CheckpointStore {

    public static final String TRAINABLE_FILE = "trainable.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String STATE_FILE = "trainer_state.json";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private final Path outputDir;

    public CheckpointStore(Path outputDir) {
        this.outputDir = outputDir;
    }

    /** The directory a checkpoint of {@code step} has. */
    public Path directoryOf(long step) {
        return outputDir.resolve("checkpoint-" + step);
    }

    /** Writes a complete checkpoint atomically and returns its directory. */
    public Path save(TrainerState state, SequencedMap<String, NDArray> trainable,
                     SequencedMap<String, NDArray> optimizerState, TrainableModel model) throws IOException {
        return save(state, trainable, optimizerState, model, java.util.Map.of());
    }

    /**
     * Writes a complete checkpoint atomically with extra text files of a trainer's own state (e.g. PPO's KL
     * coefficient and score moments, by file name), and returns its directory.
     */
    public Path save(TrainerState state, SequencedMap<String, NDArray> trainable,
                     SequencedMap<String, NDArray> optimizerState, TrainableModel model,
                     java.util.Map<String, String> extraFiles) throws IOException {
        Files.createDirectories(outputDir);
        Path target = directoryOf(state.globalStep());
        Path temp = Files.createTempDirectory(outputDir, ".checkpoint-" + state.globalStep() + "-");
        try {
            model.saveTrained(temp);
            SafetensorsWriter.writeFile(temp.resolve(TRAINABLE_FILE), trainable, SafetensorsDType.F32);
            SafetensorsWriter.writeFile(temp.resolve(OPTIMIZER_FILE), optimizerState, SafetensorsDType.F32);
            Files.writeString(temp.resolve(STATE_FILE), JSON.writeValueAsString(state));
            for (java.util.Map.Entry<String, String> extra : extraFiles.entrySet()) {
                Files.writeString(temp.resolve(extra.getKey()), extra.getValue());
            }
            if (Files.exists(target)) {
                FileTrees.delete(target);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException | RuntimeException e) {
            FileTrees.delete(temp);
            throw e;
        }
    }

    /** A checkpoint read back: state plus tensors in {@code manager}. */
    public record Loaded(Path directory, TrainerState state, SequencedMap<String, NDArray> trainable,
                         SequencedMap<String, NDArray> optimizerState) {
    }

    /** Reads a checkpoint directory; the message names the missing file when it is incomplete. */
    public static Loaded load(Path directory, NDManager manager) throws IOException {
        for (String file : List.of(STATE_FILE, TRAINABLE_FILE, OPTIMIZER_FILE)) {
            if (!Files.isRegularFile(directory.resolve(file))) {
                throw new IOException("Checkpoint " + directory + " is incomplete: " + file + " is missing");
            }
        }
        TrainerState state = JSON.readValue(Files.readString(directory.resolve(STATE_FILE)), TrainerState.class);
        return new Loaded(directory, state, readTensors(directory.resolve(TRAINABLE_FILE), manager),
                readTensors(directory.resolve(OPTIMIZER_FILE), manager));
    }

    /** Reads only the trainable weights of a checkpoint (to load the best model at the end). */
    public static SequencedMap<String, NDArray> loadTrainable(Path directory, NDManager manager) throws IOException {
        return readTensors(directory.resolve(TRAINABLE_FILE), manager);
    }

    /** Every tensor of a checkpoint file as FLOAT32 (UINT8 codes of 8-bit optimizer state as they are), in file order. */
    public static SequencedMap<String, NDArray> readTensors(Path file, NDManager manager) throws IOException {
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            SequencedMap<String, NDArray> out = new LinkedHashMap<>();
            for (String name : reader.names()) {
                boolean codes = reader.info(name).dtype() == SafetensorsDType.U8;
                out.put(name, reader.load(manager, name, codes ? DataType.UINT8 : DataType.FLOAT32));
            }
            return out;
        }
    }

    /** The checkpoint with the highest step in {@code outputDir}, if any (LLaMA-Factory's automatic resume). */
    public static Optional<Path> latest(Path outputDir) throws IOException {
        return list(outputDir).stream().reduce((a, b) -> b);
    }

    /** Complete checkpoint directories ordered by step. */
    public static List<Path> list(Path outputDir) throws IOException {
        if (!Files.isDirectory(outputDir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(outputDir)) {
            return entries.filter(p -> stepOf(p).isPresent())
                    .filter(p -> Files.isRegularFile(p.resolve(STATE_FILE)))
                    .sorted(Comparator.comparingLong(p -> stepOf(p).orElseThrow()))
                    .toList();
        }
    }

    /** Deletes the oldest checkpoints beyond {@code limit} ({@code save_total_limit}), never {@code keep}. */
    public void rotate(int limit, Optional<Path> keep) throws IOException {
        if (limit <= 0) {
            return;
        }
        List<Path> all = new ArrayList<>(list(outputDir));
        int excess = all.size() - limit;
        for (Path p : all) {
            if (excess <= 0) {
                break;
            }
            if (keep.isPresent() && keep.get().getFileName().equals(p.getFileName())) {
                continue;
            }
            FileTrees.delete(p);
            excess--;
        }
    }

    private static Optional<Long> stepOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
    }
}
