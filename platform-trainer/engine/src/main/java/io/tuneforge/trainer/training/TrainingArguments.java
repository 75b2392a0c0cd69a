package io.tuneforge.trainer.training;

import io.tuneforge.trainer.training.optim.SchedulerType;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@link TrainingConfig} from Hugging Face / LLaMA-Factory argument names, as found in a LLaMA-Factory
 * YAML file or a job's hyper-parameters ({@code learning_rate: 1.0e-4}, {@code lr_scheduler_type: cosine}, ...).
 * Values may be numbers, booleans or strings ({@code "5e-5"}: YAML 1.1 reads exponents without a dot as strings).
 * Keys this class does not know are left to other parts (model, dataset, method arguments).
 */
public final class TrainingArguments {

    /** Every key read here. */
    public static final Set<String> KEYS = Set.of("output_dir", "learning_rate", "num_train_epochs", "max_steps",
            "per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps",
            "lr_scheduler_type", "warmup_steps", "warmup_ratio", "max_grad_norm", "weight_decay", "adam_beta1",
            "adam_beta2", "adam_epsilon", "logging_steps", "save_steps", "save_total_limit", "eval_steps", "seed",
            "early_stopping_patience", "early_stopping_steps", "early_stopping_threshold", "load_best_model_at_end");

    private TrainingArguments() {
    }

    /**
     * @param values         argument name to value
     * @param defaultOutput  used when {@code output_dir} is absent
     */
    public static TrainingConfig parse(Map<String, ?> values, Path defaultOutput) {
        Object out = values.get("output_dir");
        TrainingConfig.Builder b = TrainingConfig.builder(out == null ? defaultOutput : Path.of(out.toString()));
        Reader r = new Reader(values);
        r.ifPresent("learning_rate", k -> b.learningRate(r.decimal(k)));
        r.ifPresent("num_train_epochs", k -> b.numTrainEpochs(r.decimal(k)));
        r.ifPresent("max_steps", k -> b.maxSteps(r.integer(k)));
        r.ifPresent("per_device_train_batch_size", k -> b.perDeviceTrainBatchSize((int) r.integer(k)));
        r.ifPresent("per_device_eval_batch_size", k -> b.perDeviceEvalBatchSize((int) r.integer(k)));
        r.ifPresent("gradient_accumulation_steps", k -> b.gradientAccumulationSteps((int) r.integer(k)));
        r.ifPresent("lr_scheduler_type", k -> b.lrSchedulerType(r.scheduler(k)));
        r.ifPresent("warmup_steps", k -> b.warmupSteps((int) r.integer(k)));
        r.ifPresent("warmup_ratio", k -> b.warmupRatio(r.decimal(k)));
        r.ifPresent("max_grad_norm", k -> b.maxGradNorm(r.decimal(k)));
        r.ifPresent("weight_decay", k -> b.weightDecay(r.decimal(k)));
        r.ifPresent("adam_beta1", k -> b.adamBeta1(r.decimal(k)));
        r.ifPresent("adam_beta2", k -> b.adamBeta2(r.decimal(k)));
        r.ifPresent("adam_epsilon", k -> b.adamEpsilon(r.decimal(k)));
        r.ifPresent("logging_steps", k -> b.loggingSteps((int) r.integer(k)));
        r.ifPresent("save_steps", k -> b.saveSteps((int) r.integer(k)));
        r.ifPresent("save_total_limit", k -> b.saveTotalLimit((int) r.integer(k)));
        r.ifPresent("eval_steps", k -> b.evalSteps((int) r.integer(k)));
        r.ifPresent("seed", k -> b.seed(r.integer(k)));
        r.ifPresent("early_stopping_steps", k -> b.earlyStoppingPatience((int) r.integer(k)));
        r.ifPresent("early_stopping_patience", k -> b.earlyStoppingPatience((int) r.integer(k)));
        r.ifPresent("early_stopping_threshold", k -> b.earlyStoppingMinDelta(r.decimal(k)));
        r.ifPresent("load_best_model_at_end", k -> b.loadBestModelAtEnd(r.bool(k)));
        try {
            return b.build();
        } catch (TrainingConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new TrainingConfigException(e.getMessage());
        }
    }

    private record Reader(Map<String, ?> values) {

        void ifPresent(String key, java.util.function.Consumer<String> action) {
            if (values.get(key) != null) {
                action.accept(key);
            }
        }

        double decimal(String key) {
            Object v = values.get(key);
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            try {
                return Double.parseDouble(v.toString().trim());
            } catch (NumberFormatException e) {
                throw new TrainingConfigException("Training argument " + key + ": '" + v + "' is not a number");
            }
        }

        long integer(String key) {
            double d = decimal(key);
            if (d != Math.rint(d)) {
                throw new TrainingConfigException("Training argument " + key + ": '" + values.get(key)
                        + "' must be a whole number");
            }
            return (long) d;
        }

        boolean bool(String key) {
            Object v = values.get(key);
            if (v instanceof Boolean b) {
                return b;
            }
            return switch (v.toString().trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "1" -> true;
                case "false", "no", "0" -> false;
                default -> throw new TrainingConfigException("Training argument " + key + ": '" + v
                        + "' is not true or false");
            };
        }

        SchedulerType scheduler(String key) {
            try {
                return SchedulerType.fromConfigName(values.get(key).toString());
            } catch (IllegalArgumentException e) {
                throw new TrainingConfigException("Training argument " + key + ": " + e.getMessage());
            }
        }
    }
}
