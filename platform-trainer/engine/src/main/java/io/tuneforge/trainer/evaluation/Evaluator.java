package io.tuneforge.trainer.evaluation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tuneforge.trainer.model.AdapterFiles;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.data.encoding.ConversationEncoder;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.device.DeviceSpec;
import io.tuneforge.trainer.generate.BatchGenerator;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.generate.GenerationResult;
import io.tuneforge.trainer.generate.Generator;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.CausalLanguageModel;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelConfig;
import io.tuneforge.trainer.model.T5Model;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.training.Batch;
import io.tuneforge.trainer.training.CausalLmLoss;
import io.tuneforge.trainer.training.classification.Softmax;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * A model (optionally with a LoRA adapter attached) ready to score a held-out set: answer-token loss and perplexity,
 * and greedy or sampled predictions. Each row's prompt is its conversation rendered with the chat template and a
 * generation prompt; loss is computed on the rows encoded exactly as training encodes them.
 */
public final class Evaluator implements AutoCloseable {

    private final CausalLanguageModel model;
    private final Precision precision;
    private final TextTokenizer tokenizer;
    private final ChatTemplate template;
    private final ConversationEncoder encoder;

    private Evaluator(CausalLanguageModel model, Precision precision, TextTokenizer tokenizer, ChatTemplate template) {
        this.model = model;
        this.precision = precision;
        this.tokenizer = tokenizer;
        this.template = template;
        this.encoder = new ConversationEncoder(template, tokenizer, EncodingOptions.defaults());
    }

    /**
     * Loads {@code modelDir}, attaches {@code adapterDir} when given, and picks the chat template ({@code model} or a
     * built-in name; default: the model's own).
     */
    public static Evaluator open(Path modelDir, Optional<Path> adapterDir, Optional<String> templateName)
            throws IOException {
        return open(modelDir, adapterDir, templateName, Precision.FP32);
    }

    /**
     * As {@link #open(Path, Optional, Optional)}, computing in {@code precision} on the CPU (a bf16 job's model is
     * evaluated and answers in bf16, its base held in bfloat16; see {@link Precision#forInferenceOnThisHost}).
     */
    public static Evaluator open(Path modelDir, Optional<Path> adapterDir, Optional<String> templateName,
                                 Precision precision) throws IOException {
        ChatTemplate template = ChatTemplates.forModel(modelDir, templateName);
        if (ModelConfig.load(modelDir).architecture().isEncoderDecoder()) {
            return openT5(modelDir, adapterDir, template);
        }
        LlamaModel model = LlamaModel.load(modelDir, ModelOptions.inference(DeviceSpec.CPU, precision));
        try {
            if (adapterDir.isPresent()) {
                AdapterFiles.load(model, adapterDir.get(), false);
            }
            return new Evaluator(model, model.options().precision(), TextTokenizer.load(modelDir), template);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** A T5 / Flan-T5 (DD036), in float32, with its LoRA adapter when given. */
    private static Evaluator openT5(Path modelDir, Optional<Path> adapterDir, ChatTemplate template)
            throws IOException {
        T5Model model = T5Model.load(modelDir, ModelOptions.inference(DeviceSpec.CPU));
        try {
            if (adapterDir.isPresent()) {
                PeftAdapter.load(model, adapterDir.get(), false);
            }
            return new Evaluator(model, Precision.FP32, TextTokenizer.load(modelDir), template);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** What the model computes in (bf16: its frozen base held in bfloat16). */
    public Precision precision() {
        return precision;
    }

    /** The text the model is prompted with for {@code example}. */
    public String promptText(EvalExample example) {
        return template.render(example.prompt(), List.of(), true, Map.of());
    }

    /**
     * The row as training encodes it (the data package's {@link ConversationEncoder}: the whole conversation rendered
     * once, loss on the assistant turns and their end-of-turn token, LLaMA-Factory's truncation at 2048 tokens), so
     * the loss here equals the trainer's validation loss on the same row.
     */
    public TokenizedSample encode(EvalExample example) {
        List<ChatMessage> messages = new ArrayList<>(example.prompt());
        messages.add(ChatMessage.of("assistant", example.label()));
        return encoder.encode(Example.chat(messages, List.of())).sample();
    }

    /** Mean answer-token loss over all rows (token-weighted, like the trainer's evaluation). */
    public LossResult loss(List<EvalExample> examples, IntConsumer progress) {
        double nll = 0;
        long tokens = 0;
        int pad = tokenizer.specialTokens().padId().orElse(0);
        for (int i = 0; i < examples.size(); i++) {
            Batch batch = Batch.collate(List.of(encode(examples.get(i))), pad);
            try (GradMode off = GradMode.disabled(); NDManager step = model.manager().newSubManager()) {
                NDArray hidden = model.hiddenStates(step, batch.inputIdsArray(step), false);          // (1, T, C)
                NDArray sum = CausalLmLoss.negativeLogLikelihoodSum(step, hidden, model, batch,
                        CausalLmLoss.DEFAULT_CHUNK_TOKENS);  // scalar
                nll += sum.getFloat();
                tokens += batch.targetTokens();
            }
            progress.accept(i + 1);
        }
        double loss = tokens == 0 ? 0 : nll / tokens;
        return new LossResult(loss, Math.exp(loss), tokens);
    }

    /**
     * For classification sets: the probability of each candidate label for every row, from the model's likelihood
     * of that label's tokens (+ EOS) after the prompt, normalised over the candidates (a softmax of the summed
     * log-probabilities).
     *
     * @return {@code [row][class]}, each row summing to 1
     */
    public double[][] labelProbabilities(List<EvalExample> examples, List<String> classes, IntConsumer progress) {
        int pad = tokenizer.specialTokens().padId().orElse(0);
        double[][] probabilities = new double[examples.size()][classes.size()];
        for (int i = 0; i < examples.size(); i++) {
            double[] logLikelihood = new double[classes.size()];
            for (int k = 0; k < classes.size(); k++) {
                EvalExample candidate = new EvalExample(examples.get(i).prompt(), classes.get(k));
                Batch batch = Batch.collate(List.of(encode(candidate)), pad);
                try (GradMode off = GradMode.disabled(); NDManager step = model.manager().newSubManager()) {
                    NDArray hidden = model.hiddenStates(step, batch.inputIdsArray(step), false);      // (1, T, C)
                    logLikelihood[k] = -CausalLmLoss.negativeLogLikelihoodSum(step, hidden, model,
                            batch, CausalLmLoss.DEFAULT_CHUNK_TOKENS).getFloat();
                }
            }
            probabilities[i] = Softmax.of(logLikelihood);
            progress.accept(i + 1);
        }
        return probabilities;
    }

    /** Rows generated together by {@link #predict(List, GenerationConfig, IntConsumer)}. */
    public static final int DEFAULT_PREDICT_BATCH = 8;

    /** Generates an answer for every row, {@value #DEFAULT_PREDICT_BATCH} rows at a time. */
    public List<Prediction> predict(List<EvalExample> examples, GenerationConfig config, IntConsumer progress) {
        return predict(examples, config, DEFAULT_PREDICT_BATCH, progress);
    }

    /**
     * Generates an answer for every row; the template's stop strings end each answer. Rows of similar prompt length
     * are generated together, {@code batchSize} at a time with one KV cache ({@link BatchGenerator}); each answer is
     * the one the row gets alone.
     *
     * @param progress receives the number of rows answered so far, after each batch
     */
    public List<Prediction> predict(List<EvalExample> examples, GenerationConfig config, int batchSize,
            IntConsumer progress) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("the prediction batch size must be at least 1, not " + batchSize);
        }
        GenerationConfig withStops = withTemplateStops(config);
        List<String> prompts = examples.stream().map(this::promptText).toList();
        List<int[]> ids = prompts.stream().map(tokenizer::encodeWithBos).toList();
        // similar lengths together: less padding to compute
        List<Integer> order = IntStream.range(0, ids.size()).boxed()
                .sorted(Comparator.comparingInt(i -> ids.get(i).length)).toList();
        BatchGenerator generator = new BatchGenerator(model, tokenizer);
        String[] answers = new String[examples.size()];
        for (int from = 0; from < order.size(); from += batchSize) {
            List<Integer> batch = order.subList(from, Math.min(order.size(), from + batchSize));
            List<GenerationResult> results = generator.generateIds(batch.stream().map(ids::get).toList(), withStops,
                    () -> false);
            for (int k = 0; k < batch.size(); k++) {
                answers[batch.get(k)] = PredictionText.clean(results.get(k).text(), tokenizer);
            }
            progress.accept(from + batch.size());
        }
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            out.add(new Prediction(prompts.get(i), examples.get(i).label(), answers[i]));
        }
        return out;
    }

    /** One row at a time with {@link Generator} (the reference the batched path is checked and benchmarked against). */
    public List<Prediction> predictOneByOne(List<EvalExample> examples, GenerationConfig config,
            IntConsumer progress) {
        GenerationConfig withStops = withTemplateStops(config);
        Generator generator = new Generator(model, tokenizer);
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            String prompt = promptText(examples.get(i));
            String text = PredictionText.clean(generator.generate(prompt, withStops, t -> { }).text(), tokenizer);
            out.add(new Prediction(prompt, examples.get(i).label(), text));
            progress.accept(i + 1);
        }
        return out;
    }

    /** {@code config} with the template's stop strings added to its own. */
    private GenerationConfig withTemplateStops(GenerationConfig config) {
        List<String> stops = new ArrayList<>(config.stopStrings());
        stops.addAll(template.stopStrings());
        return config.withStopStrings(stops);
    }

    /** The tokenizer (to count generated tokens). */
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public void close() {
        tokenizer.close();
        try {
            model.close();                  // LlamaModel and T5Model close without checked exceptions
        } catch (Exception e) {
            throw new IllegalStateException("closing the model failed", e);
        }
    }
}
