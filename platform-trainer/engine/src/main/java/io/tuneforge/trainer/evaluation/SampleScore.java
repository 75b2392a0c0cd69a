package io.tuneforge.trainer.evaluation;

/**
 * The generation metrics of one prediction against its label, each in [0, 1] (not ×100).
 *
 * @param tokenization how both texts were tokenized
 * @param bleu4        sentence BLEU-4 with NLTK smoothing method 3
 * @param rouge1       ROUGE-1 F1
 * @param rouge2       ROUGE-2 F1
 * @param rougeL       ROUGE-L F1
 */
public record SampleScore(Tokenization tokenization, double bleu4, double rouge1, double rouge2, double rougeL) {

    /** Scores one prediction against its label with the tokenization detected for the pair. */
    public static SampleScore of(String prediction, String label) {
        Tokenization tokenization = MetricTokenizer.detect(label, prediction);
        var hypothesis = MetricTokenizer.tokenize(prediction, tokenization);
        var reference = MetricTokenizer.tokenize(label, tokenization);
        Rouge.Scores rouge = Rouge.score(hypothesis, reference);
        return new SampleScore(tokenization, SentenceBleu.score(reference, hypothesis),
                rouge.rouge1(), rouge.rouge2(), rouge.rougeL());
    }
}
