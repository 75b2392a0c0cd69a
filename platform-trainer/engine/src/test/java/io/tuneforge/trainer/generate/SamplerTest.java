package io.tuneforge.trainer.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SamplerTest {

    private static GenerationConfig sampling(int topK, double topP, double penalty, long seed) {
        return new GenerationConfig(10, 1.0, topK, topP, penalty, OptionalLong.of(seed), List.of(), true);
    }

    private static Set<Integer> draws(GenerationConfig config, float[] logits, int n) {
        Sampler sampler = new Sampler(config);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            seen.add(sampler.next(logits.clone(), new int[0], 0));
        }
        return seen;
    }

    @Test
    void greedyPicksTheArgmax() {
        Sampler sampler = new Sampler(GenerationConfig.greedy(5));
        assertThat(sampler.next(new float[] {0.1f, 3f, 2.9f}, new int[0], 0)).isEqualTo(1);
    }

    @Test
    void topKKeepsOnlyTheKMostLikelyTokens() {
        float[] logits = {1f, 1.1f, 1.2f, 1.3f, 5f, 4.9f};
        assertThat(draws(sampling(2, 1.0, 1.0, 1), logits, 300)).containsExactlyInAnyOrder(4, 5);
    }

    @Test
    void topPKeepsTheSmallestSetReachingTheMass() {
        // probabilities ≈ 0.64, 0.24, 0.09, 0.03: p=0.8 keeps the first two
        float[] logits = {3f, 2f, 1f, 0f};
        assertThat(draws(sampling(0, 0.8, 1.0, 2), logits, 400)).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        Sampler sampler = new Sampler(new GenerationConfig(5, 0, 0, 1, 2.0, OptionalLong.empty(), List.of(), true));
        float[] logits = {4f, 3f, -1f};
        // token 0 was seen: 4 -> 2, so token 1 (3) wins
        assertThat(sampler.next(logits, new int[] {0, 2}, 2)).isEqualTo(1);
        assertThat(logits[2]).isEqualTo(-2f);
    }

    @Test
    void theSameSeedGivesTheSameSequence() {
        float[] logits = {1f, 1.2f, 0.8f, 1.1f, 0.9f};
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        Sampler first = new Sampler(sampling(0, 1.0, 1.0, 99));
        Sampler second = new Sampler(sampling(0, 1.0, 1.0, 99));
        for (int i = 0; i < 50; i++) {
            a.add(first.next(logits.clone(), new int[0], 0));
            b.add(second.next(logits.clone(), new int[0], 0));
        }
        assertThat(a).isEqualTo(b);
        assertThat(new HashSet<>(a)).hasSizeGreaterThan(2);
    }

    @Test
    void stopStringFilterHoldsBackAPossibleStopPrefixAndCutsAtTheStop() {
        List<String> shown = new ArrayList<>();
        Generator.StopStringFilter filter = new Generator.StopStringFilter(List.of("<|end|>"), shown::add);
        assertThat(filter.accept("Hello <|")).isFalse();
        assertThat(String.join("", shown)).isEqualTo("Hello ");
        assertThat(filter.accept("en")).isFalse();
        assertThat(filter.accept("d|> tail")).isTrue();
        assertThat(filter.text()).isEqualTo("Hello ");
        assertThat(String.join("", shown)).isEqualTo("Hello ");
    }

    @Test
    void stopStringFilterReleasesAHeldPrefixThatDidNotBecomeAStop() {
        List<String> shown = new ArrayList<>();
        Generator.StopStringFilter filter = new Generator.StopStringFilter(List.of("\n\nUser:"), shown::add);
        filter.accept("a\n\n");
        assertThat(String.join("", shown)).isEqualTo("a");
        filter.accept("b");
        filter.finish();
        assertThat(String.join("", shown)).isEqualTo("a\n\nb").isEqualTo(filter.text());
    }
}
