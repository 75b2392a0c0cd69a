package io.tuneforge.web.api;

import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.evaluation.EvaluationResults;
import io.tuneforge.core.evaluation.EvaluationService;
import io.tuneforge.core.evaluation.ModelResult;
import io.tuneforge.core.evaluation.Preference;
import io.tuneforge.core.evaluation.RatingInput;
import io.tuneforge.core.evaluation.Scores;
import io.tuneforge.core.job.JobMonitorService.CheckpointLine;
import io.tuneforge.core.job.JobMonitorService.EventLine;
import io.tuneforge.core.job.MetricPoint;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.job.PhaseProgress;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.model.HubImportView;
import io.tuneforge.core.model.HubProgress;
import io.tuneforge.shared.evaluation.EvaluationException;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import tools.jackson.databind.json.JsonMapper;

/** The API's JSON shapes, modelled on OpenAI's fine-tuning API (snake_case, Unix-second timestamps). */
final class ApiDtos {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ApiDtos() {
    }

    /** A list envelope. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ListResponse<T>(String object, List<T> data, boolean hasMore) {
        static <T> ListResponse<T> of(List<T> data, boolean hasMore) {
            return new ListResponse<>("list", data, hasMore);
        }
    }

    /** {@code POST /fine_tuning/jobs}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record CreateJobRequest(
            @Schema(description = "Base model name (see GET /models)", example = "stories260K") String model,
            @Schema(description = "Training file id (see POST /files)") Long trainingFile,
            @Schema(description = "lora (default), full or freeze") String method,
            @Schema(description = "Training configuration with LLaMA-Factory keys, e.g. learning_rate, "
                    + "num_train_epochs, per_device_train_batch_size, cutoff_len, lora_rank") JsonNode hyperparameters,
            @Schema(description = "Display name") String suffix,
            @Schema(description = "Higher runs first within the team's fair share (default 0)") Integer priority,
            @Schema(description = "Devices the job holds (default 1)") Integer devices,
            @Schema(description = "Attempts before a job that keeps losing its worker fails (default 3)")
            Integer maxAttempts,
            @Schema(description = "A succeeded LoRA job of the same model whose adapter this job continues training "
                    + "(e.g. DPO on ratings of its answers); omit to train a new adapter") Long adapterFromJob) {
    }

    /** A failure's code and advice. */
    record JobError(String code, String message) {
    }

    /** A fine-tuning job. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Job(long id, String object, String name, String model, long modelId, long trainingFile, String method,
            String status, String requestedAction, JsonNode hyperparameters, int priority, int devices, int attempt,
            int maxAttempts, Integer queuePosition, int currentStep, int totalSteps, long trainedTokens,
            String currentPhase, PhaseDto phaseProgress,
            long estimatedMemoryBytes, Long workerId, JobError error, long createdAt, Long startedAt,
            Long finishedAt) {

        static Job of(JobOverview j) {
            return new Job(j.id(), "fine_tuning.job", j.name(), j.baseModel(), j.baseModelId(),
                    j.datasetVersionId(), lower(j.method().name()), j.status().apiName(),
                    j.requestedAction().map(a -> lower(a.name())).orElse(null), JSON.readTree(j.configJson()),
                    j.priority(), j.devicesRequested(), j.attempt(), j.maxAttempts(),
                    j.placeInQueue().isPresent() ? j.placeInQueue().getAsInt() : null,
                    j.currentStep(), j.totalSteps(), j.trainedTokens(),
                    j.phase().map(p -> p.phase().apiName()).orElse(null),
                    j.phase().map(p -> PhaseDto.of(p, Instant.now())).orElse(null), j.requiredMemoryBytes(),
                    j.workerId().orElse(null),
                    j.errorCode().map(c -> new JobError(c, j.errorMessage().orElse(""))).orElse(null),
                    j.createdAt().getEpochSecond(), seconds(j.startedAt().orElse(null)),
                    seconds(j.finishedAt().orElse(null)));
        }
    }

    /**
     * The progress of the phase a job is in (training, evaluating, merging, predicting, exporting_gguf).
     *
     * @param phase            the phase's name (as {@code current_phase})
     * @param done             units done
     * @param total            units in the phase (0 until known)
     * @param unit             steps, samples, tensors or answers
     * @param progress         done / total, from 0 to 1
     * @param estimatedEnd     Unix seconds at which the worker expects the phase to end (null until known)
     * @param remainingSeconds seconds left until then at the time of the answer (null until known)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record PhaseDto(String phase, long done, long total, String unit, double progress, Long estimatedEnd,
            Long remainingSeconds) {
        static PhaseDto of(PhaseProgress p, Instant now) {
            return new PhaseDto(p.phase().apiName(), p.done(), p.total(), p.phase().unit(), p.fraction(),
                    p.endsAt().map(Instant::getEpochSecond).orElse(null),
                    p.remaining(now).map(Duration::toSeconds).orElse(null));
        }
    }

    /** An event of a job. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Event(long id, String object, long createdAt, String level, String type, String message, JsonNode data) {
        static Event of(EventLine e) {
            return new Event(e.id(), "fine_tuning.job.event", e.at().getEpochSecond(), lower(e.level().name()),
                    e.type(), e.message(), e.dataJson().map(JSON::readTree).orElse(null));
        }
    }

    /** A saved checkpoint of a job. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record CheckpointDto(long id, String object, long fineTuningJobId, int stepNumber, String path, JsonNode metrics,
            long createdAt) {
        static CheckpointDto of(long jobId, CheckpointLine c) {
            return new CheckpointDto(c.id(), "fine_tuning.job.checkpoint", jobId, c.step(), c.storagePath(),
                    c.metricsJson().map(JSON::readTree).orElse(null), c.at().getEpochSecond());
        }
    }

    /** One metric point. */
    record Metric(int step, String name, double value) {
        static Metric of(MetricPoint m) {
            return new Metric(m.step(), m.name(), m.value());
        }
    }

    /** An uploaded training file (a dataset version). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record FileDto(long id, String object, String filename, long bytes, long createdAt, String purpose, String status,
            String format, long datasetId, String datasetName, int version, String sha256, JsonNode validation,
            @Schema(description = "The column mapping rows are read through: {\"columns\": {...}, \"tags\": {...}}, "
                    + "empty objects for the format's own field names") JsonNode columnMapping) {
        static FileDto of(VersionDetails v) {
            return new FileDto(v.id(), "file", v.fileName(), v.sizeBytes(), v.createdAt().getEpochSecond(),
                    "fine-tune", lower(v.status().name()), lower(v.format().name()), v.datasetId(), v.datasetName(),
                    v.version(), v.sha256(), JSON.readTree(v.report().toJson()), JSON.readTree(v.mapping().toJson()));
        }
    }

    /** A base model. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Model(String id, String object, long numericId, long created, String ownedBy, String architecture,
            long parameters, String dtype) {
        static Model of(BaseModelSummary m) {
            return new Model(m.name(), "model", m.id(), m.createdAt().getEpochSecond(), m.team().orElse("shared"),
                    m.architecture(), m.parameterCount(), m.dtype());
        }
    }

    /** {@code POST /models/imports}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record CreateImportRequest(
            @Schema(description = "Hugging Face model repository, owner/name", example = "Qwen/Qwen3-0.6B")
            String repoId,
            @Schema(description = "Branch, tag or commit (default main)") String revision,
            @Schema(description = "Name to register the model under (default: the repository id)") String name) {
    }

    /** How far an import has come. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ImportProgress(String file, int filesDone, int filesTotal, long bytesDone, long bytesTotal,
            double fraction) {
        static ImportProgress of(HubProgress p) {
            return new ImportProgress(p.file(), p.filesDone(), p.filesTotal(), p.bytesDone(), p.bytesTotal(),
                    p.fraction());
        }
    }

    /** A model import from the Hugging Face Hub. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ModelImport(String id, String object, String repoId, String revision, String name, String status,
            ImportProgress progress, Model model, String error, long createdAt) {
        static ModelImport of(HubImportView v) {
            return new ModelImport(v.id(), "model.import", v.request().repoId(), v.request().revision(),
                    v.request().name(), lower(v.status().name()), ImportProgress.of(v.progress()),
                    v.model().map(Model::of).orElse(null), v.error().orElse(null), v.createdAt().getEpochSecond());
        }
    }

    /** {@code POST /evaluations}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record CreateEvaluationRequest(
            @Schema(description = "A succeeded job whose run wrote predictions (base and tuned answers)")
            Long fineTuningJob,
            @Schema(description = "Session name (default: Blind A/B of <job name>)") String name) {
    }

    /** How many items a rater has rated. */
    record RatedCount(int rated, int total) {
        static RatedCount of(EvaluationService.Progress p) {
            return new RatedCount(p.rated(), p.total());
        }
    }

    /** A blind A/B rating session. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Evaluation(long id, String object, String name, long fineTuningJob, String jobName, String status,
            int ratings, RatedCount myProgress, long createdAt) {
        static Evaluation of(EvaluationService.SessionSummary s) {
            return new Evaluation(s.id(), "evaluation", s.name(), s.jobId(), s.jobName(), lower(s.status().name()),
                    s.ratings(), RatedCount.of(s.myProgress()), s.createdAt().getEpochSecond());
        }
    }

    /** A session's ratings stored as a preference dataset version (DD030). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record PreferenceDataset(String object, long evaluation,
            @Schema(description = "The job whose answers were rated: pass it as adapter_from_job to train on") long fineTuningJob,
            @Schema(description = "Pairs stored (items with a preferred answer)") int pairs,
            @Schema(description = "Rated items left out as ties") int ties,
            @Schema(description = "Items left out because nobody rated them") int unrated,
            @Schema(description = "Items left out because one of their answers is empty") int blank,
            @Schema(description = "The dataset version (training_file) holding the pairs") FileDto file) {
        static PreferenceDataset of(EvaluationService.PreferenceExport e) {
            return new PreferenceDataset("evaluation.preference_dataset", e.sessionId(), e.jobId(), e.pairs(),
                    e.ties(), e.unrated(), e.blank(), FileDto.of(e.version()));
        }
    }

    /** An item to rate, blinded: which model wrote answer A or B is not part of it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record EvaluationItem(long id, String object, long evaluation, int position, int total, String prompt,
            String label, String answerA, String answerB) {
        static EvaluationItem of(EvaluationService.ItemToRate i) {
            return new EvaluationItem(i.itemId(), "evaluation.item", i.sessionId(), i.position(), i.total(),
                    i.prompt(), i.label(), i.answerA(), i.answerB());
        }
    }

    /** {@code POST /evaluation_items/{id}/rating}: scores 1-5 per criterion for each answer and a preference. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record RateRequest(
            @Schema(description = "Scores of answer A: relevance, accuracy, completeness, professionalism, safety")
            Scores answerA,
            @Schema(description = "Scores of answer B, same fields") Scores answerB,
            @Schema(description = "a, b or tie") String preference,
            @Schema(description = "Optional free text") String comment) {

        RatingInput toInput() {
            return new RatingInput(answerA, answerB, preference(preference), Optional.ofNullable(comment));
        }

        private static Preference preference(String value) {
            if (value == null || value.isBlank()) {
                return null;                                    // refused by RatingInput's validation, by name
            }
            try {
                return Preference.valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new EvaluationException("preference is \"" + value + "\": expected a, b or tie");
            }
        }
    }

    /** One model's side of the unblinded results. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ModelScores(Map<String, Double> means, Double overall, int wins, Double winRate, int ratings) {
        static ModelScores of(ModelResult m) {
            Map<String, Double> means = new java.util.LinkedHashMap<>();
            m.means().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> means.put(lower(e.getKey().name()), e.getValue()));
            return new ModelScores(means, value(m.overall()), m.wins(), value(m.winRate()), m.ratings());
        }
    }

    /** A session's unblinded results over every rater. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record EvaluationResultsDto(String object, int items, int ratings, int raters, int ties, Double tieRate,
            ModelScores base, ModelScores tuned) {
        static EvaluationResultsDto of(EvaluationResults r) {
            return new EvaluationResultsDto("evaluation.results", r.items(), r.ratings(), r.raters(), r.ties(),
                    value(r.tieRate()), ModelScores.of(r.base()), ModelScores.of(r.tuned()));
        }
    }

    static Map<String, Object> ok(String message) {
        return Map.of("status", message);
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static Double value(OptionalDouble optional) {
        return optional.isPresent() ? optional.getAsDouble() : null;
    }

    private static Long seconds(Instant instant) {
        return instant == null ? null : instant.getEpochSecond();
    }
}
