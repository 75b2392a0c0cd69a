#!/usr/bin/env python3
"""Golden file for TuneForge's generation metrics (BLEU-4, ROUGE-1/2/L F1) and Chinese segmentation.

Run with Debian's interpreter (the pyenv python3 on PATH lacks the packages):
    apt-get install -y python3-nltk python3-jieba
    /usr/bin/python3 platform-trainer/engine/src/test/python/generation_metrics_golden.py

Reads  src/test/resources/evaluation/generation_pairs.json
Writes src/test/resources/evaluation/generation_golden.json

References used:
- BLEU: nltk.translate.bleu_score.sentence_bleu with SmoothingFunction().method3 (NLTK itself, called directly).
- Chinese segmentation: jieba.cut (accurate mode, HMM on), whitespace-only tokens dropped.
- ROUGE: LLaMA-Factory scores with the `rouge-chinese` package, which is not packaged by Debian and not served by the
  package index reachable here. `rouge_chinese_scores` below follows its Rouge.get_scores path (cut_sent, whitespace
  words, exclusive=True n-gram sets for rouge-1/2, flat LCS for rouge-l, F = 2PR/(P+R+1e-8)) line by line, so the
  ROUGE half of this golden file is a transcription, not the package itself.

The tokenization rule (which tokenizer a sample gets) is TuneForge's own definition; it is repeated here so both sides
tokenize identically: the language is detected on the label (the prediction when the label is blank).
"""
import itertools
import json
import os
import re
import sys

import jieba
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.join(HERE, "..", "resources", "evaluation")

WORD_PATTERN = re.compile(r"\w+(?:['\u2019\-]\w+)*|[^\w\s]")
CJK_THRESHOLD = 0.3


def is_han(ch):
    cp = ord(ch)
    return (0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF
            or 0x20000 <= cp <= 0x2FA1F)


def is_kana(ch):
    return 0x3040 <= ord(ch) <= 0x30FF


def detect(label, predict):
    text = label if label.strip() else predict
    alnum = [c for c in text if c.isalnum()]
    if not alnum:
        return "WORDS"
    han = sum(1 for c in alnum if is_han(c))
    kana = sum(1 for c in alnum if is_kana(c))
    if (han + kana) / len(alnum) >= CJK_THRESHOLD:
        return "CHARACTERS" if kana > 0 else "JIEBA"
    return "WORDS"


def tokenize(text, tokenization):
    if tokenization == "WORDS":
        return WORD_PATTERN.findall(text)
    if tokenization == "CHARACTERS":
        return [c for c in text if not c.isspace()]
    return [t for t in jieba.cut(text) if t.strip()]


# ---- rouge-chinese 1.0.3, Rouge().get_scores(hyp, ref)[0], transcribed ----

def cut_sent(para):
    para = re.sub('([。！？\\?])([^”’])', r"\1\n\2", para)
    para = re.sub('(\\.{6})([^”’])', r"\1\n\2", para)
    para = re.sub('(\\…{2})([^”’])', r"\1\n\2", para)
    para = re.sub('([。！？\\?][”’])([^，。！？\\?])', r'\1\n\2', para)
    para = para.rstrip()
    return para.split("\n")


def split_into_words(sentences):
    return list(itertools.chain(*[s.split(" ") for s in sentences]))


def ngram_set(n, words):
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def f_r_p(evaluated_count, reference_count, overlapping_count):
    precision = 0.0 if evaluated_count == 0 else overlapping_count / evaluated_count
    recall = 0.0 if reference_count == 0 else overlapping_count / reference_count
    return 2.0 * ((precision * recall) / (precision + recall + 1e-8))


def rouge_n(hyp_sentences, ref_sentences, n):
    hyp = ngram_set(n, split_into_words(hyp_sentences))
    ref = ngram_set(n, split_into_words(ref_sentences))
    return f_r_p(len(hyp), len(ref), len(hyp & ref))


def len_lcs(x, y):
    table = [[0] * (len(y) + 1) for _ in range(len(x) + 1)]
    for i in range(1, len(x) + 1):
        for j in range(1, len(y) + 1):
            if x[i - 1] == y[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    return table[len(x)][len(y)]


def rouge_l(hyp_sentences, ref_sentences):
    ref_words = split_into_words(ref_sentences)
    hyp_words = split_into_words(hyp_sentences)
    llcs = len_lcs(ref_words, hyp_words)
    r = llcs / len(ref_words)
    p = llcs / len(hyp_words)
    return 2.0 * ((p * r) / (p + r + 1e-8))


def rouge_chinese_scores(hyp_text, ref_text):
    hyp = [" ".join(s.split()) for s in cut_sent(hyp_text) if len(s) > 0]
    ref = [" ".join(s.split()) for s in cut_sent(ref_text) if len(s) > 0]
    return rouge_n(hyp, ref, 1), rouge_n(hyp, ref, 2), rouge_l(hyp, ref)


def score(pair):
    tokenization = detect(pair["label"], pair["predict"])
    hyp = tokenize(pair["predict"], tokenization)
    ref = tokenize(pair["label"], tokenization)
    # LLaMA-Factory's guard: an empty side scores 0 on every ROUGE (rouge-chinese would raise).
    if len(" ".join(hyp).split()) == 0 or len(" ".join(ref).split()) == 0:
        r1 = r2 = rl = 0.0
    else:
        r1, r2, rl = rouge_chinese_scores(" ".join(hyp), " ".join(ref))
    bleu = sentence_bleu([ref], hyp, smoothing_function=SmoothingFunction().method3)
    return {"id": pair["id"], "tokenization": tokenization, "predictTokens": hyp, "labelTokens": ref,
            "bleu4": float(bleu), "rouge1": r1, "rouge2": r2, "rougeL": rl}


def main():
    with open(os.path.join(RESOURCES, "generation_pairs.json"), encoding="utf-8") as f:
        pairs = json.load(f)
    jieba.setLogLevel(60)
    samples = [score(p) for p in pairs]
    n = len(samples)
    mean = {k: 100.0 * sum(s[k] for s in samples) / n for k in ("bleu4", "rouge1", "rouge2", "rougeL")}
    out = {"generator": "src/test/python/generation_metrics_golden.py",
           "versions": {"python": sys.version.split()[0], "nltk": __import__("nltk").__version__,
                        "jieba": jieba.__version__},
           "samples": samples, "meanTimes100": mean}
    with open(os.path.join(RESOURCES, "generation_golden.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(json.dumps(mean))


if __name__ == "__main__":
    main()
