package io.tuneforge.trainer.evaluation;

/**
 * How a sample's prediction and label are split into tokens before BLEU and ROUGE are computed. LLaMA-Factory scores
 * BLEU on characters for every language; TuneForge scores words, segmenting scripts written without spaces.
 */
public enum Tokenization {
    /** Space-delimited languages: runs of word characters (with inner apostrophes/hyphens) and single punctuation marks. */
    WORDS,
    /** Chinese: jieba dictionary segmentation (accurate mode with the HMM for unknown words), whitespace dropped. */
    JIEBA,
    /** Other scripts without spaces (Japanese kana): one token per non-space character. */
    CHARACTERS
}
