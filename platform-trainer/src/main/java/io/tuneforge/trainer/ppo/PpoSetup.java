package io.tuneforge.trainer.ppo;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.model.AdapterFiles;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.recipe.RecipeMapping;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.trainer.training.ppo.PpoTrainer;
import io.tuneforge.trainer.training.ppo.RewardModelScores;
import io.tuneforge.trainer.training.reward.RewardModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * Stage ppo put together, for {@code train --config} and the platform's worker alike (DD029, DD037): the reward model
 * loaded from a finished reward-model run, a new value head on the LoRA policy, and LLaMA-Factory's default sampling
 * (temperature 0.95, top-p 0.7, top-k 50) for answers of up to {@code min(1024, cutoff_len)} tokens. Closing it frees
 * the reward model (the policy belongs to the caller).
 */
public final class PpoSetup implements AutoCloseable {

    /**
     * A finished reward-model run's files.
     *
     * @param folder    its result folder, holding {@code value_head.safetensors}
     * @param baseModel the base model it was trained from (an adapter in {@code folder} is applied to it)
     * @param adapter   true: {@code folder} holds an adapter (LoRA, OFT, ...); false: a complete model
     */
    public record RewardFolder(Path folder, Path baseModel, boolean adapter) {
    }

    private final LlamaModel rewardBase;
    private final PpoTrainer trainer;

    private PpoSetup(LlamaModel rewardBase, PpoTrainer trainer) {
        this.rewardBase = rewardBase;
        this.trainer = trainer;
    }

    /**
     * Loads the reward model and builds the trainer.
     *
     * @param recipe    the job's recipe (precision of the reward model's weights, PPO settings)
     * @param config    the training configuration (its pad token id set)
     * @param policy    the LoRA policy, trained in place
     * @param tokenizer the policy's tokenizer
     * @param reward    the reward model's files
     * @param prompts   the prompts' token ids (templated)
     * @param cutoff    {@code cutoff_len}: answers are at most {@code min(max_new_tokens, cutoff)} tokens, sampled
     *                  as the recipe's generation keys say
     */
    public static PpoSetup of(JobRecipe recipe, TrainingConfig config, LlamaModel policy, TextTokenizer tokenizer,
            RewardFolder reward, List<int[]> prompts, int cutoff) throws IOException {
        LlamaModel rewardBase = LlamaModel.load(reward.adapter() ? reward.baseModel() : reward.folder(),
                RecipeMapping.modelOptions(recipe, FineTuning.none()));
        try {
            if (reward.adapter()) {
                AdapterFiles.load(rewardBase, reward.folder(), false);
            }
            RewardModel scorer = RewardModel.withSavedHead(rewardBase, reward.folder());
            GenerationConfig sampling = RecipeMapping.generation(recipe, cutoff);
            PpoTrainer trainer = new PpoTrainer(config, RecipeMapping.ppo(recipe),
                    RewardModel.withNewHead(policy, config.seed()), tokenizer,
                    new RewardModelScores(scorer, config.padTokenId()), prompts, sampling);
            return new PpoSetup(rewardBase, trainer);
        } catch (IOException | RuntimeException e) {
            rewardBase.close();
            throw e;
        }
    }

    /** The PPO trainer. */
    public PpoTrainer trainer() {
        return trainer;
    }

    @Override
    public void close() {
        rewardBase.close();
    }
}
