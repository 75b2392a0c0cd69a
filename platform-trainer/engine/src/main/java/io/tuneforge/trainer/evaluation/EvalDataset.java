package io.tuneforge.trainer.evaluation;

import io.tuneforge.shared.evaluation.EvaluationException;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.Datasets;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.ExampleKind;
import io.tuneforge.trainer.data.LoadedDataset;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.template.ChatMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A held-out set for evaluation, read by the data package (every format it reads: Alpaca, ShareGPT, OpenAI
 * messages, classification; JSON, JSON Lines, CSV, text; names from {@code dataset_info.json}), validated the same
 * way as training data. Each chat or classification row becomes the conversation before its last assistant turn
 * (the prompt) and that turn's text (the label).
 */
public final class EvalDataset {

    private EvalDataset() {
    }

    /** Reads a dataset file (format detected). */
    public static List<EvalExample> read(Path file) {
        return read(file.toString(), Optional.empty());
    }

    /** Reads a dataset by file path or by its name in {@code datasetDir/dataset_info.json}. */
    public static List<EvalExample> read(String reference, Optional<Path> datasetDir) {
        DatasetSpec spec = Datasets.resolve(reference, datasetDir);
        LoadedDataset dataset = Datasets.load(spec, ValidationOptions.defaults());
        return fromExamples(spec.file().toString(), dataset.examples());
    }

    /** Splits each chat/classification example into prompt and label; other kinds are refused. */
    public static List<EvalExample> fromExamples(String source, List<Example> examples) {
        List<EvalExample> out = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            Example e = examples.get(i);
            if (e.kind() != ExampleKind.CHAT && e.kind() != ExampleKind.CLASSIFICATION) {
                throw new EvaluationException(source + ", row " + (i + 1) + ": a " + e.kind().name().toLowerCase()
                        + " row has no single reference answer; evaluate with chat or classification data");
            }
            List<ChatMessage> messages = e.messages();
            if (messages.isEmpty() || !messages.getLast().role().equals("assistant")) {
                throw new EvaluationException(source + ", row " + (i + 1) + ": the conversation does not end with an "
                        + "assistant turn, so there is no reference answer to compare with");
            }
            out.add(new EvalExample(messages.subList(0, messages.size() - 1), messages.getLast().content()));
        }
        return out;
    }
}
