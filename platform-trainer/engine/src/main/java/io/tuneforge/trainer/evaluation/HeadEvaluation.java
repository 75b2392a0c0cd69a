package io.tuneforge.trainer.evaluation;

import io.tuneforge.shared.files.FileTrees;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.ExampleKind;
import io.tuneforge.trainer.device.DeviceSpec;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.training.classification.ClassificationEncoder;
import io.tuneforge.trainer.training.classification.SequenceClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained classification head scored on held-out text + label rows: the head's class probabilities, the label it
 * predicts (the most probable), and accuracy, macro-F1 and one-vs-rest AUC as scikit-learn computes them.
 *
 * @param texts         the rows' texts
 * @param truth         the rows' labels
 * @param predicted     the head's label per row
 * @param probabilities {@code [row][class]}, classes in the head's label order
 * @param metrics       accuracy, macro-F1 and AUC over the rows
 */
public record HeadEvaluation(List<String> texts, List<String> truth, List<String> predicted,
                             double[][] probabilities, ClassificationMetrics metrics) {

    /** Rows scored together. */
    private static final int BATCH = 8;

    /**
     * Loads {@code baseDir} with the SEQ_CLS adapter in {@code adapterDir} (in {@code precision}), or, when
     * {@code adapterDir} holds a whole {@code *ForSequenceClassification} model (full / freeze tuning), that model,
     * and scores the classification rows among {@code rows} (others are skipped).
     */
    public static HeadEvaluation run(Path baseDir, Path adapterDir, Precision precision, List<Example> rows,
                                     int cutoffLen) throws IOException {
        if (!SequenceClassifier.isModelCheckpoint(adapterDir)) {
            return score(baseDir, baseDir, precision, rows, cutoffLen,
                    base -> SequenceClassifier.load(base, adapterDir));
        }
        Path view = Files.createTempDirectory("causal-view-");
        try {
            return score(SequenceClassifier.causalView(adapterDir, view.resolve("model")), baseDir, precision, rows,
                    cutoffLen, base -> SequenceClassifier.fromModelCheckpoint(base, adapterDir));
        } finally {
            FileTrees.delete(view);
        }
    }

    /** How a classifier is made from the loaded model. */
    private interface HeadLoader {
        SequenceClassifier load(LlamaModel base) throws IOException;
    }

    private static HeadEvaluation score(Path modelDir, Path tokenizerDir, Precision precision, List<Example> rows,
                                        int cutoffLen, HeadLoader head) throws IOException {
        List<Example> usable = rows.stream()
                .filter(e -> e.kind() == ExampleKind.CLASSIFICATION && e.label().isPresent()).toList();
        try (LlamaModel base = LlamaModel.load(modelDir, ModelOptions.inference(DeviceSpec.CPU, precision));
             TextTokenizer tokenizer = TextTokenizer.load(tokenizerDir)) {
            SequenceClassifier classifier = head.load(base);
            ClassificationEncoder encoder = new ClassificationEncoder(tokenizer, classifier.labels(), cutoffLen);
            List<String> texts = usable.stream().map(e -> e.messages().getFirst().content()).toList();
            List<String> truth = usable.stream().map(e -> e.label().orElseThrow()).toList();
            double[][] probabilities = classifier.probabilities(texts.stream().map(encoder::textIds).toList(), BATCH);
            List<String> classes = classifier.labels().names();
            List<String> predicted = new ArrayList<>();
            for (double[] p : probabilities) {
                int best = 0;
                for (int k = 1; k < p.length; k++) {
                    best = p[k] > p[best] ? k : best;
                }
                predicted.add(classes.get(best));
            }
            ClassificationMetrics metrics = usable.isEmpty() ? null
                    : ClassificationMetrics.fromProbabilities(truth, classes, probabilities);
            return new HeadEvaluation(texts, truth, predicted, probabilities, metrics);
        }
    }
}
