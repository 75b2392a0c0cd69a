package io.tuneforge.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeviceDetectorTest {

    @Test
    void aGpuComputesBf16FromAmpereOn() {
        assertThat(DeviceDetector.computesBf16("80")).isTrue();  // A100
        assertThat(DeviceDetector.computesBf16("90")).isTrue();  // H100, H200
        assertThat(DeviceDetector.computesBf16("86")).isTrue();  // RTX 30xx
        assertThat(DeviceDetector.computesBf16("75")).isFalse(); // T4
        assertThat(DeviceDetector.computesBf16("70")).isFalse(); // V100
        assertThat(DeviceDetector.computesBf16("unknown")).isFalse();
    }

    @Test
    void theCpuOffersBf16ExactlyWhenThisHostMayTrainInIt() {
        assertThat(DeviceDetector.cpu().bf16())
                .isEqualTo(io.tuneforge.shared.recipe.Bf16Support.refusalOnThisHost().isEmpty());
    }
}
