package io.tuneforge.core.job;

import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.model.BaseModel;
import io.tuneforge.core.user.Actor;
import io.tuneforge.shared.recipe.RecipeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * The finished reward-model jobs (stage rm) that a PPO job (stage ppo) may take its reward from (DD037): the New job
 * picker lists them ({@link #choices}), submission resolves what a user typed as {@code reward_model} to one of them
 * ({@link #resolve}), and the worker reads where its files are ({@link #claimed}).
 *
 * <p>A reward model fits a policy when its job succeeded, trained stage rm, stored its result (the LoRA/OFT adapter
 * with {@code value_head.safetensors}, or for full/freeze tuning the complete model with it) and its base model has
 * the policy's tokenizer (the same base model, or one whose {@code tokenizer.json} is byte-identical): the reward
 * model reads the policy's token ids.
 */
@Service
@Transactional(readOnly = true)
public class RewardModelJobs {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String KEY = "reward_model";

    private final FineTuningJobRepository jobs;
    private final ArtifactRepository artifacts;

    RewardModelJobs(FineTuningJobRepository jobs, ArtifactRepository artifacts) {
        this.jobs = jobs;
        this.artifacts = artifacts;
    }

    /**
     * A reward model to choose in New job.
     *
     * @param jobId      the rm job
     * @param name       its name
     * @param baseModel  the base model it was trained from
     * @param method     its fine-tuning method (lora, full, ...)
     * @param finishedAt when it succeeded
     */
    public record Choice(long jobId, String name, String baseModel, String method, Instant finishedAt) {

        /** "#12 rm-stories (stories260K, lora)". */
        public String label() {
            return "#" + jobId + " " + name + " (" + baseModel + ", " + method + ")";
        }
    }

    /** The caller's team's succeeded stage rm jobs with a stored result, newest first. */
    public List<Choice> choices(Actor caller) {
        return jobs.findByTeamIdAndStatusOrderByIdDesc(caller.teamId(), JobStatus.SUCCEEDED).stream()
                .filter(RewardModelJobs::isRewardStage).filter(job -> result(job).isPresent())
                .map(job -> new Choice(job.getId(), job.getName(), job.getBaseModel().getName(),
                        job.getMethod().name().toLowerCase(Locale.ROOT),
                        job.getFinishedAt().orElse(job.getUpdatedAt())))
                .toList();
    }

    /**
     * The finished reward-model job that {@code reference} names, as a user types it: its id ({@code 12},
     * {@code #12}) or its name (unique among the team's jobs).
     *
     * @param policyBase the base model of the PPO job
     * @throws RecipeException naming {@code reward_model}: no such job, not succeeded, not stage rm, no stored
     *                         result, or another tokenizer than the policy's
     */
    public FineTuningJob resolve(Actor caller, String reference, BaseModel policyBase) {
        String given = reference == null ? "" : reference.strip();
        if (given.isEmpty()) {
            throw refused(reference, "stage ppo needs reward_model: a finished reward-model job (stage rm) of the "
                    + "same base model, by id or name (New job lists them when Stage is ppo; GET "
                    + "/api/v1/fine_tuning/jobs shows the ids)");
        }
        FineTuningJob job = find(caller, given);
        String what = "reward_model: job " + job.getId() + " (" + job.getName() + ")";
        if (!isRewardStage(job)) {
            throw refused(reference, what + " trained stage " + stage(job) + ", not rm: PPO needs a reward model "
                    + "(a job with stage: rm)");
        }
        if (job.getStatus() != JobStatus.SUCCEEDED) {
            throw refused(reference, what + " is " + job.getStatus().apiName() + ": only a succeeded reward-model "
                    + "job can score PPO's answers");
        }
        if (result(job).isEmpty()) {
            throw refused(reference, what + " has no stored adapter or model: train the reward model again");
        }
        requireSameTokenizer(job, policyBase, reference, what);
        return job;
    }

    /**
     * Where the worker finds the reward model of a PPO job's stored {@code reward_model} (the job id submission
     * stored), empty when the job has none.
     */
    Optional<ClaimedRewardModel> claimed(String configJson) {
        String stored = JSON.readTree(configJson).path(KEY).asString("");
        if (stored.isBlank() || !stored.strip().matches("\\d+")) {
            return Optional.empty();
        }
        return jobs.findById(Long.parseLong(stored.strip())).flatMap(job -> result(job).map(artifact ->
                new ClaimedRewardModel(job.getId(), job.getName(), artifact.getStoragePath(),
                        Path.of(job.getBaseModel().getPath()), artifact.getKind() == ArtifactKind.ADAPTER)));
    }

    private FineTuningJob find(Actor caller, String given) {
        String id = given.startsWith("#") ? given.substring(1).strip() : given;
        if (id.matches("\\d{1,18}")) {
            return jobs.findById(Long.parseLong(id)).filter(j -> caller.canSee(j.getTeam().getId()))
                    .orElseThrow(() -> refused(given, "reward_model: job " + id + " does not exist or belongs to "
                            + "another team"));
        }
        List<FineTuningJob> named = jobs.findByTeamIdOrderByIdDesc(caller.teamId()).stream()
                .filter(j -> j.getName().equals(given)).toList();
        if (named.isEmpty()) {
            throw refused(given, "reward_model: no job of your team is named '" + given + "': give a finished "
                    + "reward-model job's id or name");
        }
        List<FineTuningJob> rewardModels = named.stream().filter(RewardModelJobs::isRewardStage)
                .filter(j -> j.getStatus() == JobStatus.SUCCEEDED).toList();
        if (rewardModels.size() > 1) {
            throw refused(given, "reward_model: " + rewardModels.size() + " finished reward-model jobs are named '"
                    + given + "' (" + String.join(", ", rewardModels.stream().map(j -> "#" + j.getId()).toList())
                    + "): give the id");
        }
        return rewardModels.isEmpty() ? named.getFirst() : rewardModels.getFirst();
    }

    /** The reward model's files: the adapter (LoRA, OFT, ...; with the value head) or the complete model. */
    private Optional<Artifact> result(FineTuningJob job) {
        return artifacts.findByJobIdAndKind(job.getId(), ArtifactKind.ADAPTER)
                .or(() -> artifacts.findByJobIdAndKind(job.getId(), ArtifactKind.MERGED));
    }

    /** The reward model reads the policy's token ids: same base model, or byte-identical {@code tokenizer.json}. */
    private static void requireSameTokenizer(FineTuningJob job, BaseModel policyBase, String reference,
            String what) {
        BaseModel rewardBase = job.getBaseModel();
        if (rewardBase.getId().equals(policyBase.getId())) {
            return;
        }
        Path ours = Path.of(policyBase.getPath()).resolve("tokenizer.json");
        Path theirs = Path.of(rewardBase.getPath()).resolve("tokenizer.json");
        try {
            if (Files.isRegularFile(ours) && Files.isRegularFile(theirs) && Files.mismatch(ours, theirs) == -1) {
                return;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw refused(reference, what + " was trained from " + rewardBase.getName() + ", whose tokenizer differs "
                + "from " + policyBase.getName() + "'s (tokenizer.json): the reward model scores the policy's token "
                + "ids, so choose a reward model trained from " + policyBase.getName() + " or a model with its "
                + "tokenizer");
    }

    private static boolean isRewardStage(FineTuningJob job) {
        return stage(job).equals("rm");
    }

    private static String stage(FineTuningJob job) {
        return JSON.readTree(job.getConfig()).path("stage").asString("sft");
    }

    private static RecipeException refused(Object value, String message) {
        return new RecipeException(KEY, value, "a finished reward-model job (stage rm) of the same tokenizer, by id "
                + "or name", message);
    }
}
