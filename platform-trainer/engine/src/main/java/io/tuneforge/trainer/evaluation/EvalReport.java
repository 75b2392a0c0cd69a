package io.tuneforge.trainer.evaluation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The result of {@code eval}: loss and perplexity always, generation metrics when predictions were made.
 *
 * @param samples    rows evaluated
 * @param loss       answer-token loss and perplexity
 * @param generation     BLEU/ROUGE of the predictions (with {@code --predict})
 * @param classification accuracy, macro-F1 and AUC-ROC from label probabilities (with {@code --classify})
 */
public record EvalReport(int samples, LossResult loss, Optional<GenerationMetrics> generation,
                         Optional<ClassificationMetrics> classification) {

    /** A report without classification metrics. */
    public EvalReport(int samples, LossResult loss, Optional<GenerationMetrics> generation) {
        this(samples, loss, generation, Optional.empty());
    }

    /** A flat, ordered map for JSON output ({@code eval_loss}, {@code perplexity}, {@code bleu-4}, ...). */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", samples);
        m.put("eval_loss", loss.loss());
        m.put("perplexity", loss.perplexity());
        m.put("target_tokens", loss.targetTokens());
        generation.ifPresent(g -> {
            m.put("bleu-4", g.bleu4());
            m.put("rouge-1", g.rouge1());
            m.put("rouge-2", g.rouge2());
            m.put("rouge-l", g.rougeL());
            m.put("tokenization", g.tokenizationSummary());
        });
        classification.ifPresent(c -> {
            m.put("accuracy", c.accuracy());
            m.put("macro_f1", c.macroF1());
            c.aucRoc().ifPresent(auc -> m.put("auc_roc", auc));
            m.put("classes", c.labels());
        });
        return m;
    }
}
