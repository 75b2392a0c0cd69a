package io.tuneforge.trainer.worker;

import io.tuneforge.core.job.JobFailure;
import io.tuneforge.trainer.template.TemplateException;
import io.tuneforge.trainer.training.TrainingConfigException;
import java.util.Locale;

/** Turns what a runner threw into a failure code and a message with advice. */
public final class FailureClassifier {

    private FailureClassifier() {
    }

    public static JobFailure classify(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof JobFailureException f) {
                return f.failure();
            }
            if (DiskSpace.isFull(t)) {
                return JobFailure.diskFull("the job's files", java.util.OptionalLong.empty(),
                        java.util.OptionalLong.empty());
            }
            if (t instanceof OutOfMemoryError) {
                return JobFailure.outOfMemory("Java heap: " + t.getMessage());
            }
            String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (message.contains("out of memory") || message.contains("can't allocate memory")
                    || message.contains("cannot allocate memory")) {
                return JobFailure.outOfMemory(firstLine(t.getMessage()));
            }
            if (t instanceof TrainingConfigException || t instanceof TemplateException) {
                return JobFailure.invalidConfiguration(firstLine(t.getMessage()));
            }
        }
        return JobFailure.internal(error.getClass().getSimpleName() + ": " + firstLine(error.getMessage()));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 500 ? line.substring(0, 500) + "..." : line;
    }
}
