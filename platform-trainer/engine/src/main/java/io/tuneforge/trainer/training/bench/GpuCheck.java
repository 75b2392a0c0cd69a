package io.tuneforge.trainer.training.bench;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.device.DeviceSpec;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.generate.GenerationResult;
import io.tuneforge.trainer.generate.Generator;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.Quantization;
import io.tuneforge.trainer.model.NamedParameter;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Device smoke check run by {@code scripts/gpu-check.sh}: on the given device, (1) greedy generation from BOS must
 * reproduce the model's {@code greedy_reference_text.txt}, (2) a few LoRA steps (frozen base in FLOAT16 on CUDA,
 * adapters FLOAT32, plain SGD) must give finite, falling losses. Prints one line per check; exit 1 on failure.
 *
 * <pre>java -cp 'platform-trainer/target/platform-trainer.jar:platform-trainer/target/lib/*' \
 *     io.tuneforge.trainer.training.bench.GpuCheck MODEL_DIR cuda</pre>
 */
public final class GpuCheck {

    private GpuCheck() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "tuneforge-cli-logback.xml");
        }
        Path model = Path.of(args.length > 0 ? args[0] : "../shared/fixtures/models/stories260K");
        DeviceSpec device = DeviceSpec.parse(args.length > 1 ? args[1] : "cuda");
        // a third argument 4 or 8: the LoRA steps on a base quantized on the fly (QLoRA, NF4 with double quantization)
        Quantization quantization = args.length > 2 ? new Quantization(Integer.parseInt(args[2]),
                Quantization.Type.NF4, true) : Quantization.NONE;
        boolean ok = checkGeneration(model, device) & checkLoraSteps(model, device, 8, quantization);
        System.out.println(ok ? "GPU CHECK PASSED on " + device : "GPU CHECK FAILED on " + device);
        System.exit(ok ? 0 : 1);
    }

    static boolean checkGeneration(Path dir, DeviceSpec device) throws Exception {
        try (LlamaModel model = LlamaModel.load(dir, ModelOptions.inference(device));
             TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            long start = System.nanoTime();
            GenerationResult result = new Generator(model, tokenizer).generate("", GenerationConfig.greedy(200),
                    piece -> { });
            double seconds = (System.nanoTime() - start) / 1e9;
            Path reference = dir.resolve("greedy_reference_text.txt");
            boolean same = Files.isRegularFile(reference) && Files.readString(reference).equals(result.text() + "\n");
            System.out.printf("generate on %s (base %s): %d tokens in %.2f s, %s%n", device,
                    model.options().baseWeightType(), result.tokenIds().length, seconds,
                    same ? "matches greedy_reference_text.txt" : "DIFFERS from greedy_reference_text.txt "
                            + "(expected with an fp16 base only if the texts diverge late)");
            return same || device.isCuda() && result.tokenIds().length > 0;
        }
    }

    static boolean checkLoraSteps(Path dir, DeviceSpec device, int steps, Quantization quantization)
            throws Exception {
        LoraConfig lora = new LoraConfig(8, 16, 0.0, List.of("q_proj", "v_proj"), false);
        ModelOptions options = new ModelOptions(device, device.isCuda() && !quantization.enabled()
                ? ai.djl.ndarray.types.DataType.FLOAT16 : ai.djl.ndarray.types.DataType.FLOAT32,
                new FineTuning.Lora(lora), 42).withQuantization(quantization);
        System.out.printf("lora steps on %s, base %s%n", device, quantization.enabled() ? quantization.describe()
                : options.baseWeightType());
        try (LlamaModel model = LlamaModel.load(dir, options);
             TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            int[] ids = tokenizer.encodeWithBos("Once upon a time, there was a little dog named Max. Max liked to run.");
            long[] input = new long[ids.length - 1];
            long[] target = new long[ids.length - 1];
            for (int i = 0; i + 1 < ids.length; i++) {
                input[i] = ids[i];
                target[i] = ids[i + 1];
            }
            float first = Float.NaN;
            float last = Float.NaN;
            for (int step = 0; step < steps; step++) {
                try (NDManager m = model.manager().newSubManager()) {
                    NDArray x = m.create(input, new Shape(1, input.length));                              // (1, T)
                    NDArray y = m.create(target, new Shape(input.length, 1));                             // (T, 1)
                    float loss;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray hidden = model.hiddenStates(m, x, true);                                   // (1, T, C)
                        NDArray logProbs = own(m, model.logits(m, hidden.reshape(input.length, -1)).logSoftmax(1)); // (T, V)
                        NDArray nll = own(m, logProbs.gather(y, 1).mean().neg());                         // ()
                        gc.backward(nll);
                        loss = nll.getFloat();
                    }
                    for (NamedParameter p : model.parameters()) {
                        NDArray grad = p.array().getGradient();
                        p.array().subi(grad.mul(0.05f));
                        grad.subi(grad);
                    }
                    System.out.printf("lora step %d on %s: loss %.5f%n", step + 1, device, loss);
                    if (step == 0) {
                        first = loss;
                    }
                    last = loss;
                }
            }
            boolean ok = Float.isFinite(last) && last < first;
            System.out.printf("lora training on %s: loss %.5f -> %.5f, %s%n", device, first, last, ok ? "ok" : "NOT FALLING");
            return ok;
        }
    }
}
