package io.tuneforge.trainer.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.SequencedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * BAdam's layer mode (Luo et al. 2024; the official {@code badam.BlockOptimizer} as LLaMA-Factory's
 * {@code use_badam, badam_mode: layer} builds it): only one block, a decoder layer, learns at a time, with a fresh
 * PyTorch AdamW over that block alone; every {@code badam_switch_interval} steps the next block takes over and the
 * moments start again from zero (so AdamW state exists for one layer only: the memory saving).
 * <ul>
 *   <li>Blocks are the {@code …layers.<i>.} prefixes in order of appearance; the embedding, the final norm and the LM
 *       head belong to no block and stay frozen (LLaMA-Factory passes include_embedding/include_lm_head false).</li>
 *   <li>Order: {@code ascending} from block 0, {@code descending} from the last, {@code fixed} stays on
 *       {@code badam_start_block}, {@code random} takes blocks from a shuffled list, reshuffled when used up
 *       (BAdam draws it with torch.randperm; TuneForge with a {@link Random} seeded by {@code seed}, so a resumed run
 *       draws the same order). {@code badam_start_block} replaces the first block.</li>
 *   <li>Switch: BAdam counts its steps and switches after step k when (k + 1) is a multiple of the interval, so the
 *       first block learns for interval − 1 steps and every later one for interval steps. Reproduced as is.</li>
 *   <li>Weight decay 0.01 on every active parameter whatever {@code weight_decay} says, as LLaMA-Factory's BAdam
 *       runs: BAdam rebuilds the active groups as {@code {"weight_decay": <first group's>, **base.defaults}}, so the
 *       base AdamW's constructor default (PyTorch: 0.01; the Hugging Face Trainer passes weight decay only in the
 *       groups) overrides it (the golden file shows it).</li>
 * </ul>
 * Only the active block's gradients are read and clipped ({@link #readsGradient}), as in BAdam where the other
 * parameters have no gradient. State: the active block's {@code exp_avg/exp_avg_sq.<name>}; the block itself follows
 * from the step count and the seed.
 */
public final class BlockAdam implements ParameterOptimizer {

    /** {@code badam_switch_mode}. */
    public enum SwitchMode {
        ASCENDING, DESCENDING, RANDOM, FIXED;

        /** The config name. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@code badam_switch_mode}. */
        public static SwitchMode fromConfigName(String name) {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        }
    }

    /**
     * BAdam's settings.
     *
     * @param switchMode     {@code badam_switch_mode}
     * @param switchInterval {@code badam_switch_interval}: steps per block (>= 1)
     * @param startBlock     {@code badam_start_block}: the first block (required by fixed)
     * @param seed           seed of the random order
     */
    public record Settings(SwitchMode switchMode, int switchInterval, OptionalInt startBlock, long seed) {
        public Settings {
            if (switchInterval < 1) {
                throw new IllegalArgumentException("badam_switch_interval must be >= 1, got " + switchInterval);
            }
            if (switchMode == SwitchMode.FIXED && startBlock.isEmpty()) {
                throw new IllegalArgumentException("badam_switch_mode fixed needs badam_start_block");
            }
        }
    }

    /** BAdam's layer pattern {@code .*layers.[^.]*\.} (the dot after layers matches any character, as there). */
    private static final Pattern LAYER = Pattern.compile(".*layers.[^.]*\\.");

    /** PyTorch AdamW's default weight decay, which BAdam's regrouping applies to every active parameter. */
    static final double TORCH_ADAMW_DEFAULT_WEIGHT_DECAY = 0.01;

    private final SequencedMap<String, NDArray> parameters;
    private final AdamWConfig config;
    private final Settings settings;
    private final NDManager parent;
    private final List<String> blocks;
    private final Random random;
    private final List<Integer> randomOrder = new ArrayList<>();
    private int nextBlock;
    private int activeBlock;
    private long stepCount;
    private long stepsInBlock;
    private SequencedMap<String, NDArray> active = new LinkedHashMap<>();
    private AdamW inner;

    /**
     * @param parameters trainable parameters by stable name (updated in place)
     * @param config     AdamW's betas and epsilon (its weight decay is not used: see the class comment)
     * @param settings   block order and interval
     * @param parent     long-lived manager for the active block's moments
     */
    public BlockAdam(SequencedMap<String, NDArray> parameters, AdamWConfig config, Settings settings,
                     NDManager parent) {
        this.parameters = parameters;
        this.config = config;
        this.settings = settings;
        this.parent = parent;
        this.blocks = blocks(parameters.keySet());
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("BAdam found no decoder layers (…layers.<i>.) among the trainable "
                    + "parameters");
        }
        if (settings.startBlock().isPresent() && settings.startBlock().getAsInt() >= blocks.size()) {
            throw new IllegalArgumentException("badam_start_block " + settings.startBlock().getAsInt()
                    + " is past the last block (" + (blocks.size() - 1) + ")");
        }
        this.random = new Random(settings.seed());
        this.nextBlock = firstBlock();
        activate();
    }

    /** BAdam's inferred blocks: distinct layer prefixes in order of first appearance. */
    static List<String> blocks(Iterable<String> names) {
        List<String> prefixes = new ArrayList<>();
        for (String name : names) {
            if (prefixes.stream().anyMatch(name::contains)) {
                continue;
            }
            Matcher m = LAYER.matcher(name);
            if (m.lookingAt()) {
                prefixes.add(m.group());
            }
        }
        return prefixes;
    }

    private int firstBlock() {
        if (settings.startBlock().isPresent()) {
            return settings.startBlock().getAsInt();
        }
        return switch (settings.switchMode()) {
            case DESCENDING -> blocks.size() - 1;
            case RANDOM -> popRandom();
            default -> 0;
        };
    }

    private int popRandom() {
        if (randomOrder.isEmpty()) {
            for (int i = 0; i < blocks.size(); i++) {
                randomOrder.add(i);
            }
            Collections.shuffle(randomOrder, random);
        }
        return randomOrder.removeLast();
    }

    /** BAdam's switch_trainable_params: the pending block becomes active with fresh moments; the pointer moves on. */
    private void activate() {
        activeBlock = nextBlock;
        String prefix = blocks.get(activeBlock);
        active = new LinkedHashMap<>();
        parameters.forEach((name, p) -> {
            if (name.contains(prefix)) {
                active.put(name, p);
            }
        });
        closeInner();
        inner = new AdamW(active, new AdamWConfig(config.beta1(), config.beta2(), config.epsilon(),
                TORCH_ADAMW_DEFAULT_WEIGHT_DECAY), null, parent);
        stepsInBlock = 0;
        nextBlock = switch (settings.switchMode()) {
            case ASCENDING -> (activeBlock + 1) % blocks.size();
            case DESCENDING -> Math.floorMod(activeBlock - 1, blocks.size());
            case RANDOM -> popRandom();
            case FIXED -> activeBlock;
        };
    }

    /** The layer prefix being trained now. */
    public String activeBlock() {
        return blocks.get(activeBlock);
    }

    @Override
    public boolean readsGradient(String name) {
        return active.containsKey(name);
    }

    @Override
    public void step(Map<String, NDArray> gradients, double learningRate) {
        Map<String, NDArray> blockGradients = new LinkedHashMap<>();
        active.keySet().forEach(name -> blockGradients.put(name, OptimMath.gradient(gradients, name)));
        inner.step(blockGradients, learningRate);
        stepCount++;
        stepsInBlock++;
        if ((stepCount + 1) % settings.switchInterval() == 0) {
            activate();
        }
    }

    @Override
    public long stepCount() {
        return stepCount;
    }

    @Override
    public SequencedMap<String, NDArray> state() {
        return inner.state();
    }

    /** Replays the block switches up to the checkpoint's step, then loads the active block's moments. */
    @Override
    public void restore(Map<String, NDArray> state, long restoredStepCount) {
        random.setSeed(settings.seed());
        randomOrder.clear();
        nextBlock = firstBlock();
        activate();
        for (long k = 1; k <= restoredStepCount; k++) {
            stepsInBlock++;
            if ((k + 1) % settings.switchInterval() == 0) {
                activate();
            }
        }
        stepCount = restoredStepCount;
        inner.restore(state, stepsInBlock);
    }

    private void closeInner() {
        if (inner != null) {
            inner.close();
        }
    }

    @Override
    public void close() {
        closeInner();
    }
}
