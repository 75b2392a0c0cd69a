package io.tuneforge.shared.recipe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether this machine's CPU computes bfloat16 natively, read from the {@code flags} line of {@code /proc/cpuinfo}:
 * {@code avx512_bf16} (AVX512-BF16: AMD Zen 4+, Intel Cooper Lake+) or {@code amx_bf16} (Intel AMX: Sapphire Rapids+).
 * Without either, libtorch emulates bf16 by converting to float32 around each product, which is slower than plain
 * float32, so a {@code bf16: true} job is refused with that alternative rather than run slowly (DD019).
 */
public final class Bf16Support {

    /** The CPU flags that mean native bfloat16 arithmetic. */
    public static final Set<String> NATIVE_FLAGS = Set.of("avx512_bf16", "amx_bf16");

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    /**
     * Set to {@code true} (system property, or environment variable {@code TUNEFORGE_BF16_ALLOW_EMULATED}) to accept
     * bf16 on a CPU without native bf16: libtorch then emulates it, slower than fp32 but with bf16's numbers (for
     * trying a configuration before it goes to a bf16 machine; the test suite sets it so it runs on any CPU).
     */
    public static final String ALLOW_EMULATED = "tuneforge.bf16.allow-emulated";

    private static volatile Optional<String> hostRefusal;

    private Bf16Support() {
    }

    /** Why this host cannot train in bf16, or empty when it can (read once per process). */
    public static Optional<String> refusalOnThisHost() {
        if (Boolean.getBoolean(ALLOW_EMULATED)
                || "true".equalsIgnoreCase(System.getenv("TUNEFORGE_BF16_ALLOW_EMULATED"))) {
            return Optional.empty();
        }
        Optional<String> refusal = hostRefusal;
        if (refusal == null) {
            refusal = refusal(CPUINFO);
            hostRefusal = refusal;
        }
        return refusal;
    }

    /** Why a host with this {@code cpuinfo} file cannot train in bf16, or empty when it can. */
    static Optional<String> refusal(Path cpuinfo) {
        String text;
        try {
            text = Files.readString(cpuinfo);
        } catch (IOException e) {
            return Optional.of("bf16 needs a CPU with AVX512-BF16 or AMX and TuneForge cannot read " + cpuinfo
                    + " to tell; train in fp32 (remove bf16)");
        }
        Set<String> flags = text.lines().filter(line -> line.startsWith("flags")).findFirst()
                .map(line -> Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))
                        .collect(Collectors.toSet()))
                .orElse(Set.of());
        if (flags.stream().anyMatch(NATIVE_FLAGS::contains)) {
            return Optional.empty();
        }
        return Optional.of("this CPU has no bf16 instructions (neither avx512_bf16 nor amx_bf16 in " + cpuinfo
                + "): bf16 would be emulated and run slower than fp32; train in fp32 (remove bf16)");
    }

    /**
     * Refuses a recipe asking for bf16 ({@code bf16} or {@code pure_bf16}) on this host.
     *
     * @throws RecipeException naming the key that asked ({@code bf16}, else {@code pure_bf16}), with the reason and
     *                         the alternative
     */
    public static void requireFor(JobRecipe recipe) {
        if (recipe.model().computesInBf16()) {
            refusalOnThisHost().ifPresent(reason -> {
                throw new RecipeException(recipe.model().bf16Key(), true, "false on this machine", reason);
            });
        }
    }
}
