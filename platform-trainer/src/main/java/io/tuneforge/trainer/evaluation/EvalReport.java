package io.tuneforge.trainer.evaluation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The result of {@code eval}: loss and perplexity always, generation metrics when predictions were made.
 *
 * @param samples    rows evaluated
 * @param loss       answer-token loss and perplexity
 * @param generation BLEU/ROUGE of the predictions (with {@code --predict})
 */
public record EvalReport(int samples, LossResult loss, Optional<GenerationMetrics> generation) {

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
        return m;
    }
}
