package io.tuneforge.trainer.training.optim;

import ai.djl.ndarray.types.Shape;
import tools.jackson.databind.JsonNode;

/** Reading the optimizer golden files written by {@code optimizers_golden.py}: tensors as flat lists plus shapes. */
final class GoldenJson {

    private GoldenJson() {
    }

    /** The shape of tensor {@code name} in a test case's {@code shapes}. */
    static Shape shape(JsonNode testCase, String name) {
        JsonNode dims = testCase.get("shapes").get(name);
        long[] d = new long[dims.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = dims.get(i).asLong();
        }
        return new Shape(d);
    }

    /** A flat JSON list of numbers as floats. */
    static float[] floats(JsonNode node) {
        float[] out = new float[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) node.get(i).asDouble();
        }
        return out;
    }
}
