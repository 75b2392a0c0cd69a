package io.tuneforge.trainer.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.device.DeviceSpec;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.generate.GenerationResult;
import io.tuneforge.trainer.generate.Generator;
import io.tuneforge.trainer.generate.StopReason;
import io.tuneforge.trainer.model.Linear;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat on the real stories260K model: the playground answers exactly as the generator does on the same prompt. */
class ChatEngineTest {

    /** stories260K has no chat template of its own: the built-in "default" (Human/Assistant) is used. */
    private static final String TEMPLATE = "default";
    private static final List<ChatTurn> HISTORY = List.of(new ChatTurn("Tell me about Lily.",
            "Lily was a little girl who liked to play in the park."));
    private static final String MESSAGE = "What did she find?";

    private static int threads;

    @TempDir
    Path temp;

    Path stories;
    ChatEngine engine;

    @BeforeAll
    static void oneThread() {
        Engine.getInstance();                            // loads libtorch
        threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);                       // token-by-token decoding: see GenerateCommand
    }

    @AfterAll
    static void restoreThreads() {
        JniUtils.setNumThreads(threads);
    }

    @BeforeEach
    void engine() {
        stories = Fixtures.stories260K();
        engine = new ChatEngine(2, ModelOptions.inference());
    }

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void greedyAnswerEqualsTheGeneratorOnTheConversationRenderedWithTheTemplate() throws Exception {
        ChatSettings settings = ChatSettings.greedy(40).withTemplate(TEMPLATE).withSystemPrompt("You tell stories.");
        ChatModelSpec base = ChatModelSpec.base("stories", stories);

        String rendered = engine.renderPrompt(base, settings, HISTORY, MESSAGE);
        ChatReply reply = engine.chat(base, settings, HISTORY, MESSAGE, piece -> { }, () -> false);

        ChatTemplate template = ChatTemplates.forModel(stories, Optional.of(TEMPLATE));
        String expectedPrompt = template.render(List.of(ChatMessage.of("system", "You tell stories."),
                ChatMessage.of("user", HISTORY.get(0).user()), ChatMessage.of("assistant", HISTORY.get(0).assistant()),
                ChatMessage.of("user", MESSAGE)), List.of(), true, Map.of());
        assertThat(rendered).isEqualTo(expectedPrompt).endsWith("Human: What did she find?</s>\nAssistant:");
        GenerationResult expected = generate(stories, Optional.empty(), expectedPrompt,
                new GenerationConfig(40, 0, 0, 1, 1, java.util.OptionalLong.empty(), template.stopStrings(), true));
        assertThat(reply.text()).isEqualTo(expected.text()).isNotBlank();
        assertThat(reply.tokens()).isEqualTo(expected.tokenIds().length);
        assertThat(reply.stopReason()).isEqualTo(expected.stopReason());
        assertThat(reply.promptTokens()).isGreaterThan(20);
    }

    @Test
    void streamedPiecesConcatenateToTheAnswer() {
        List<String> pieces = new ArrayList<>();
        ChatReply reply = engine.chat(ChatModelSpec.base("stories", stories), ChatSettings.greedy(60)
                .withTemplate(TEMPLATE), List.of(), "Once upon a time", pieces::add, () -> false);

        assertThat(pieces).hasSizeGreaterThan(1);
        assertThat(String.join("", pieces)).isEqualTo(reply.text());
    }

    @Test
    void samplingWithASeedRepeatsAndTheSettingsReachTheSampler() {
        ChatModelSpec base = ChatModelSpec.base("stories", stories);
        ChatSettings seeded = new ChatSettings("", Optional.of(TEMPLATE), 1.0, 0.9, 40, 1.1, 40,
                java.util.OptionalLong.of(7));
        String first = engine.chat(base, seeded, List.of(), MESSAGE, p -> { }, () -> false).text();
        String again = engine.chat(base, seeded, List.of(), MESSAGE, p -> { }, () -> false).text();
        String greedy = engine.chat(base, ChatSettings.greedy(40).withTemplate(TEMPLATE), List.of(), MESSAGE,
                p -> { }, () -> false).text();

        assertThat(again).isEqualTo(first);
        assertThat(first).isNotEqualTo(greedy);
    }

    @Test
    void stopEndsTheAnswerAfterTheCurrentToken() {
        AtomicBoolean stop = new AtomicBoolean();
        List<String> pieces = new ArrayList<>();

        ChatReply reply = engine.chat(ChatModelSpec.base("stories", stories),
                ChatSettings.greedy(400).withTemplate(TEMPLATE), List.of(), "Once upon a time",
                piece -> {
                    pieces.add(piece);
                    stop.set(true);
                }, stop::get);

        assertThat(reply.stopReason()).isEqualTo(StopReason.CANCELLED);
        assertThat(pieces).hasSize(1);
        assertThat(reply.text()).isEqualTo(pieces.get(0));
        assertThat(reply.tokens()).isLessThan(5);
    }

    @Test
    void aTunedAdapterIsAppliedOnItsBaseModel() throws Exception {
        Path adapter = writeAdapter(stories, temp.resolve("adapter"));
        ChatSettings settings = ChatSettings.greedy(30).withTemplate(TEMPLATE);
        ChatModelSpec tuned = ChatModelSpec.tuned("tuned", stories, adapter, Precision.FP32);

        ChatReply tunedReply = engine.chat(tuned, settings, List.of(), MESSAGE, p -> { }, () -> false);
        ChatReply baseReply = engine.chat(ChatModelSpec.base("stories", stories), settings, List.of(), MESSAGE,
                p -> { }, () -> false);

        ChatTemplate template = ChatTemplates.forModel(stories, Optional.of(TEMPLATE));
        String prompt = template.render(List.of(ChatMessage.of("user", MESSAGE)), List.of(), true, Map.of());
        GenerationResult expected = generate(stories, Optional.of(adapter), prompt,
                new GenerationConfig(30, 0, 0, 1, 1, java.util.OptionalLong.empty(), template.stopStrings(), true));
        assertThat(tuned.adapterDir()).contains(adapter.toAbsolutePath().normalize());
        assertThat(tunedReply.text()).isEqualTo(expected.text()).isNotEqualTo(baseReply.text());
    }

    @Test
    void aBf16JobsModelChatsInBf16AsItsOwnCacheEntry() throws Exception {
        Path adapter = writeAdapter(stories, temp.resolve("adapter"));
        ChatSettings settings = ChatSettings.greedy(30).withTemplate(TEMPLATE);
        ChatModelSpec fp32 = ChatModelSpec.tuned("tuned", stories, adapter, Precision.FP32);
        ChatModelSpec bf16 = ChatModelSpec.tuned("tuned", stories, adapter, Precision.BF16);

        String fp32Reply = engine.chat(fp32, settings, List.of(), MESSAGE, p -> { }, () -> false).text();
        String bf16Reply = engine.chat(bf16, settings, List.of(), MESSAGE, p -> { }, () -> false).text();

        ChatTemplate template = ChatTemplates.forModel(stories, Optional.of(TEMPLATE));
        String prompt = template.render(List.of(ChatMessage.of("user", MESSAGE)), List.of(), true, Map.of());
        GenerationConfig greedy = new GenerationConfig(30, 0, 0, 1, 1, java.util.OptionalLong.empty(),
                template.stopStrings(), true);
        assertThat(bf16.precision()).isEqualTo(Precision.BF16.forInferenceOnThisHost());
        assertThat(engine.isLoaded(fp32)).isTrue();
        assertThat(engine.isLoaded(bf16)).isTrue();
        assertThat(bf16Reply).isEqualTo(generate(stories, Optional.of(adapter), prompt, greedy, bf16.precision())
                .text());
        assertThat(fp32Reply).isEqualTo(generate(stories, Optional.of(adapter), prompt, greedy).text());
    }

    @Test
    void aModelFolderThatDoesNotLoadFailsNamingTheModelAndTheFolder() {
        Path missing = temp.resolve("no-such-model");

        assertThatThrownBy(() -> engine.chat(ChatModelSpec.base("ghost-model", missing), ChatSettings.greedy(5),
                List.of(), MESSAGE, p -> { }, () -> false))
                .isInstanceOf(PlaygroundException.class)
                .hasMessageContaining("Cannot load ghost-model from " + missing);
    }

    @Test
    void aModelWithoutATemplateChatsWithItsFamilysOrTheDefaultTemplate() {
        String automatic = engine.chat(ChatModelSpec.base("stories", stories), ChatSettings.greedy(20), List.of(),
                MESSAGE, p -> { }, () -> false).text();
        String named = engine.chat(ChatModelSpec.base("stories", stories), ChatSettings.greedy(20)
                .withTemplate("default"), List.of(), MESSAGE, p -> { }, () -> false).text();

        assertThat(automatic).isEqualTo(named);
    }

    @Test
    void aResultFolderIsAnAdapterOrAModelAndNothingElse() throws IOException {
        Path adapter = Files.createDirectories(temp.resolve("adapter"));
        Files.writeString(adapter.resolve(PeftAdapter.CONFIG_FILE), "{}");
        Path merged = Files.createDirectories(temp.resolve("merged"));
        Files.writeString(merged.resolve("config.json"), "{}");
        Path empty = Files.createDirectories(temp.resolve("empty"));

        assertThat(ChatModelSpec.tuned("a", stories, adapter, Precision.FP32).modelDir())
                .isEqualTo(stories.toAbsolutePath().normalize());
        assertThat(ChatModelSpec.tuned("m", stories, merged, Precision.FP32)).isEqualTo(ChatModelSpec.base("m", merged));
        assertThatThrownBy(() -> ChatModelSpec.tuned("job-9", stories, empty, Precision.FP32))
                .isInstanceOf(PlaygroundException.class).hasMessageContaining("job-9")
                .hasMessageContaining("neither a PEFT adapter");
    }

    @Test
    void theCacheKeepsTheMostRecentlyUsedModelsAndClosesTheEvictedOnes() throws IOException {
        List<LoadedChatModel> loaded = new ArrayList<>();
        ChatModelSpec a = ChatModelSpec.base("a", stories);
        ChatModelSpec b = ChatModelSpec.base("b", copyOf(stories, temp.resolve("b")));
        ChatModelSpec c = ChatModelSpec.base("c", copyOf(stories, temp.resolve("c")));
        try (ChatModelCache cache = new ChatModelCache(2, spec -> {
            LoadedChatModel model = LoadedChatModel.load(spec, ModelOptions.inference());
            loaded.add(model);
            return model;
        })) {
            LoadedChatModel firstA = cache.get(a);
            cache.get(b);
            assertThat(cache.get(a)).as("a hit returns the loaded model").isSameAs(firstA);
            cache.get(c);                                           // b is the least recently used

            assertThat(cache.keys()).containsExactly(a.key(), c.key());
            assertThat(loaded).hasSize(3);
            assertThat(loaded.get(1).isClosed()).as("b evicted and closed").isTrue();
            assertThat(firstA.isClosed()).isFalse();

            LoadedChatModel bAgain = cache.get(b);                  // now a is the least recently used
            assertThat(bAgain).isNotSameAs(loaded.get(1));
            assertThat(firstA.isClosed()).isTrue();
            assertThat(cache.keys()).containsExactly(c.key(), b.key());
        }
        assertThat(loaded).allMatch(LoadedChatModel::isClosed);
    }

    @Test
    void anEvictedModelIsReloadedForTheNextAnswer() throws IOException {
        try (ChatEngine small = new ChatEngine(1, ModelOptions.inference())) {
            ChatModelSpec a = ChatModelSpec.base("a", stories);
            ChatModelSpec b = ChatModelSpec.base("b", copyOf(stories, temp.resolve("b")));
            ChatSettings settings = ChatSettings.greedy(10).withTemplate(TEMPLATE);
            String first = small.chat(a, settings, List.of(), MESSAGE, p -> { }, () -> false).text();
            small.chat(b, settings, List.of(), MESSAGE, p -> { }, () -> false);

            assertThat(small.isLoaded(a)).isFalse();
            assertThat(small.chat(a, settings, List.of(), MESSAGE, p -> { }, () -> false).text()).isEqualTo(first);
            assertThat(small.isLoaded(b)).isFalse();
        }
    }

    @Test
    void anExtraStopIdEndsGenerationLikeEos() throws Exception {
        try (LlamaModel model = LlamaModel.load(stories, ModelOptions.inference());
             TextTokenizer tokenizer = TextTokenizer.load(stories)) {
            Generator generator = new Generator(model, tokenizer);
            int[] prompt = tokenizer.encodeWithBos("Once upon a time");
            GenerationResult free = generator.generate(prompt, GenerationConfig.greedy(10), p -> { }, () -> false);
            int third = free.tokenIds()[2];

            GenerationResult stopped = generator.generate(prompt, GenerationConfig.greedy(10)
                    .withStopTokenIds(List.of(third)), p -> { }, () -> false);

            assertThat(stopped.stopReason()).isEqualTo(StopReason.EOS);
            assertThat(stopped.tokenIds()).containsExactly(free.tokenIds()[0], free.tokenIds()[1]);
        }
    }

    /** What the plain generator produces for a prompt on the model (with the adapter, if any). */
    /** A Flan-T5 (the engine's tiny flant5-tiny, DD036) chats with the t5 layout as the generator answers its prompt. */
    @Test
    void aFlanT5ChatsWithTheSourceTargetTemplateAsTheGeneratorAnswers() throws Exception {
        Path t5 = Files.createDirectories(temp.resolve("flant5"));
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(Path.of("engine", "src", "test", "resources", "models", "flant5-tiny", file), t5.resolve(file));
        }
        ChatModelSpec spec = ChatModelSpec.base("flant5", t5);
        ChatSettings settings = ChatSettings.greedy(6);
        String rendered = engine.renderPrompt(spec, settings, List.of(), "Is it hot?");
        assertThat(rendered).isEqualTo("Is it hot?</s>");
        ChatReply reply = engine.chat(spec, settings, List.of(), "Is it hot?", piece -> { }, () -> false);
        GenerationResult expected;
        try (io.tuneforge.trainer.model.T5Model model = io.tuneforge.trainer.model.T5Model.load(t5,
                ModelOptions.inference()); TextTokenizer tokenizer = TextTokenizer.load(t5)) {
            expected = new Generator(model, tokenizer).generate(tokenizer.encodeWithBos(rendered),
                    new GenerationConfig(6, 0, 0, 1, 1, java.util.OptionalLong.empty(),
                            ChatTemplates.forModel(t5, Optional.empty()).stopStrings(), true), p -> { }, () -> false);
        }
        assertThat(reply.text()).isEqualTo(expected.text());
        assertThat(reply.tokens()).isEqualTo(expected.tokenIds().length).isPositive();
    }

    private static GenerationResult generate(Path modelDir, Optional<Path> adapter, String prompt,
            GenerationConfig config) throws IOException {
        return generate(modelDir, adapter, prompt, config, Precision.FP32);
    }

    private static GenerationResult generate(Path modelDir, Optional<Path> adapter, String prompt,
            GenerationConfig config, Precision precision) throws IOException {
        try (LlamaModel model = LlamaModel.load(modelDir, ModelOptions.inference(DeviceSpec.CPU, precision));
             TextTokenizer tokenizer = TextTokenizer.load(modelDir)) {
            if (adapter.isPresent()) {
                PeftAdapter.load(model, adapter.get(), false);
            }
            return new Generator(model, tokenizer).generate(tokenizer.encodeWithBos(prompt), config, p -> { },
                    () -> false);
        }
    }

    /** A PEFT adapter on q_proj and v_proj with seeded random, non-zero A and B. */
    static Path writeAdapter(Path modelDir, Path target) throws IOException {
        LoraConfig config = new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"), false);
        Random random = new Random(1234);
        try (LlamaModel model = LlamaModel.load(modelDir, ModelOptions.inference())) {
            Map<String, NDArray[]> weights = new HashMap<>();
            for (Linear linear : model.loraTargets(config)) {
                NDArray a = model.manager().create(gaussian(random, config.rank() * linear.inFeatures(), 0.5),
                        new Shape(config.rank(), linear.inFeatures()));
                NDArray b = model.manager().create(gaussian(random, linear.outFeatures() * config.rank(), 0.5),
                        new Shape(linear.outFeatures(), config.rank()));
                weights.put(linear.path(), new NDArray[] {a, b});
            }
            model.attachLora(config, weights, false);
            PeftAdapter.save(model, target);
        }
        return target;
    }

    private static float[] gaussian(Random random, long n, double std) {
        float[] values = new float[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }

    private static Path copyOf(Path folder, Path target) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        return target;
    }
}
