package io.tuneforge.trainer.export;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Writes PEFT-format LoRA adapters with random, non-zero A and B for tests (F32 safetensors written by hand). */
public final class TestAdapters {

    /** One adapted module: its base weight name and A (r, in), B (out, r) values. */
    public record Lora(String baseWeight, int out, int in, float[] a, float[] b) {
    }

    private TestAdapters() {
    }

    /** Random LoRA (Gaussian A and B scaled by {@code std}) for each base weight; shapes from {@code base}. */
    public static Map<String, Lora> write(Path dir, WeightSource base, List<String> weights, int rank, double alpha,
                                   double std, long seed) throws IOException {
        Random random = new Random(seed);
        Map<String, Lora> loras = new LinkedHashMap<>();
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (String w : weights) {
            long[] shape = base.shape(w);
            int out = (int) shape[0];
            int in = (int) shape[1];
            float[] a = gaussian(random, rank * in, std);
            float[] b = gaussian(random, out * rank, std);
            loras.put(w, new Lora(w, out, in, a, b));
            String module = "base_model.model." + w.substring(0, w.length() - ".weight".length());
            tensors.put(module + ".lora_A.weight", a);
            shapes.put(module + ".lora_A.weight", new long[] {rank, in});
            tensors.put(module + ".lora_B.weight", b);
            shapes.put(module + ".lora_B.weight", new long[] {out, rank});
        }
        Files.createDirectories(dir);
        writeF32Safetensors(dir.resolve("adapter_model.safetensors"), tensors, shapes);
        Files.writeString(dir.resolve("adapter_config.json"), """
                {"peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": "stories260K",
                 "r": %d, "lora_alpha": %s, "lora_dropout": 0.0, "target_modules": ["q_proj", "v_proj"],
                 "bias": "none", "fan_in_fan_out": false, "use_rslora": false, "use_dora": false,
                 "modules_to_save": null, "inference_mode": true}
                """.formatted(rank, alpha));
        return loras;
    }

    /** W + (alpha/r)·B·A in double precision, row-major (out, in). */
    public static double[] merged(float[] w, Lora lora, int rank, double alpha) {
        double[] out = new double[w.length];
        for (int i = 0; i < lora.out(); i++) {
            for (int j = 0; j < lora.in(); j++) {
                double delta = 0;
                for (int k = 0; k < rank; k++) {
                    delta += (double) lora.b()[i * rank + k] * lora.a()[k * lora.in() + j];
                }
                out[i * lora.in() + j] = w[i * lora.in() + j] + alpha / rank * delta;
            }
        }
        return out;
    }

    private static float[] gaussian(Random random, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        return v;
    }

    static void writeF32Safetensors(Path file, Map<String, float[]> tensors, Map<String, long[]> shapes)
            throws IOException {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (var e : tensors.entrySet()) {
            long bytes = 4L * e.getValue().length;
            header.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(java.util.Arrays.toString(shapes.get(e.getKey())).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(",").append(offset + bytes).append("]}");
            offset += bytes;
        }
        header.append("}");
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate((int) (8 + h.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(h.length).put(h);
        tensors.values().forEach(v -> {
            for (float f : v) {
                buffer.putFloat(f);
            }
        });
        Files.write(file, buffer.array());
    }
}
