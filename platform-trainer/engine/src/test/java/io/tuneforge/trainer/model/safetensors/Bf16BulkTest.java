package io.tuneforge.trainer.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The bulk bfloat16 conversions the reader and writer use give exactly the element-by-element results. */
class Bf16BulkTest {

    @Test
    void bulkDecodeMatchesToFloatForEveryBitPattern() {
        int n = 1 << 16;
        ByteBuffer bits = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            bits.putShort((short) i);
        }
        bits.flip();
        float[] out = new float[n + 3];
        Bf16.decode(bits.asShortBuffer(), n, out, 3);
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToRawIntBits(out[3 + i])).as("bits %04x", i)
                    .isEqualTo(Float.floatToRawIntBits(Bf16.toFloat((short) i)));
        }
    }

    @Test
    void bulkEncodeRoundsLikeFromFloatAcrossChunks() {
        Random random = new Random(5);
        int n = 200_003;                                                   // several chunks and a partial one
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = Float.intBitsToFloat(random.nextInt());           // every exponent, NaN and infinities too
        }
        values[7] = Float.NaN;
        values[8] = -0f;
        ByteBuffer out = ByteBuffer.allocate(2 * (n - 1)).order(ByteOrder.LITTLE_ENDIAN);
        Bf16.encode(values, 1, n - 1, out.asShortBuffer());
        for (int i = 1; i < n; i++) {
            assertThat(out.getShort(2 * (i - 1))).as("value %d", i).isEqualTo(Bf16.fromFloat(values[i]));
        }
    }
}
