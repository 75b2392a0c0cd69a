package io.tuneforge.trainer.training.bench;

import io.tuneforge.trainer.model.LinearKernel;
import io.tuneforge.trainer.model.MatmulPeak;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

/**
 * The numbers of one bench run.
 *
 * @param shape              model and batch shape
 * @param linearKernel       the kernel the model's linear layers used
 * @param stepGflop          model FLOPs of one step, in GFLOP (recomputation not counted)
 * @param peak               best fp32 matrix-multiply throughput of this run
 * @param bf16PeakGflops     best bf16 matrix-multiply throughput of this run (0 for an fp32 run)
 * @param medianStepSeconds  median wall time of a timed step
 * @param meanStepSeconds    mean wall time of a timed step
 * @param tokensPerSecond    batch × sequence / median step time
 * @param modelGflopsPerSecond model FLOPs of a step / median step time
 * @param mfu                model GFLOP/s over the matrix-multiply peak of the run's precision
 * @param rssStartBytes      RSS before the model was built
 * @param rssFirstTimedBytes RSS after the first timed step
 * @param rssLastTimedBytes  RSS after the last timed step
 * @param peakRssBytes       peak RSS of the process (VmHWM)
 */
public record BenchReport(LlamaShape shape, double stepGflop, LinearKernel linearKernel, MatmulPeak peak,
                          double bf16PeakGflops, double medianStepSeconds,
                          double meanStepSeconds, double tokensPerSecond, double modelGflopsPerSecond, double mfu,
                          long rssStartBytes, long rssFirstTimedBytes, long rssLastTimedBytes, long peakRssBytes,
                          String compute) {

    static BenchReport of(LlamaShape shape, double stepFlops, MatmulPeak peak, double bf16PeakGflops,
                          List<Double> stepSeconds, long rssStart, List<Long> rssAfterStep, long peakRss,
                          String compute) {
        if (stepSeconds.isEmpty()) {
            throw new IllegalArgumentException("No timed steps: use --steps >= 1");
        }
        List<Double> sorted = stepSeconds.stream().sorted().toList();
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        double mean = stepSeconds.stream().mapToDouble(d -> d).average().orElseThrow();
        double tokens = (double) shape.batch() * shape.sequence();
        double gflops = stepFlops / 1e9 / median;
        double denominator = bf16PeakGflops > 0 ? bf16PeakGflops : peak.bestGflops();
        return new BenchReport(shape, stepFlops / 1e9, LinearKernel.configured(), peak, bf16PeakGflops, median, mean,
                tokens / median, gflops, gflops / denominator, rssStart, rssAfterStep.getFirst(), rssAfterStep.getLast(), peakRss, compute);
    }

    public String toText() {
        return String.format(Locale.ROOT, """
                shape: hidden %d, layers %d, heads %d (kv %d), intermediate %d, vocab %d, seq %d, batch %d, LoRA r%d (alpha 2r) on q_proj,v_proj, %s
                tokens/s: %.0f
                step time: median %.3f s, mean %.3f s
                model FLOPs per step: %.1f GFLOP -> %.1f GFLOP/s
                linear kernel: %s (-D%s= or %s=, auto, matmul or conv)
                matmul peak: %.1f GFLOP/s (matMul %.1f, 1x1 conv channels-last %.1f); bf16 %s
                MFU: %.1f %% (against the %s peak)
                RSS: start %d MiB, after first timed step %d MiB, after last %d MiB, peak %d MiB""",
                shape.hidden(), shape.layers(), shape.heads(), shape.kvHeads(), shape.intermediate(), shape.vocab(),
                shape.sequence(), shape.batch(), shape.loraRank(), compute, tokensPerSecond, medianStepSeconds,
                meanStepSeconds, stepGflop, modelGflopsPerSecond, linearKernel.settingName(),
                LinearKernel.PROPERTY, LinearKernel.ENVIRONMENT, peak.bestGflops(),
                peak.matMulGflops(), peak.convolutionGflops(),
                bf16PeakGflops > 0 ? String.format(Locale.ROOT, "%.1f GFLOP/s", bf16PeakGflops) : "not measured",
                100 * mfu, bf16PeakGflops > 0 ? "bf16" : "fp32", rssStartBytes >> 20,
                rssFirstTimedBytes >> 20, rssLastTimedBytes >> 20, peakRssBytes >> 20);
    }

    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shape", shape);
        m.put("compute", compute);
        m.put("tokens_per_second", tokensPerSecond);
        m.put("median_step_seconds", medianStepSeconds);
        m.put("mean_step_seconds", meanStepSeconds);
        m.put("model_gflop_per_step", stepGflop);
        m.put("model_gflops", modelGflopsPerSecond);
        m.put("linear_kernel", linearKernel.settingName());
        m.put("matmul_peak_gflops", peak.bestGflops());
        m.put("matmul_gflops", peak.matMulGflops());
        m.put("conv1x1_gflops", peak.convolutionGflops());
        m.put("bf16_matmul_peak_gflops", bf16PeakGflops);
        m.put("mfu", mfu);
        m.put("rss_start_bytes", rssStartBytes);
        m.put("rss_first_timed_step_bytes", rssFirstTimedBytes);
        m.put("rss_last_timed_step_bytes", rssLastTimedBytes);
        m.put("peak_rss_bytes", peakRssBytes);
        return JsonMapper.builder().build().writeValueAsString(m);
    }
}
