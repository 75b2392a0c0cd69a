package io.tuneforge.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** {@code bench} refuses shapes it cannot build with a one-line message and exit code 2. */
class BenchCommandTest {

    @Test
    void benchCommandRejectsHeadsThatDoNotDivideTheHiddenSize() {
        assertThat(benchFailure("--hidden", "100", "--heads", "8"))
                .contains("--hidden (100) must be a multiple of --heads (8)");
    }

    @Test
    void benchCommandRejectsAnEmptyLossChunk() {
        assertThat(benchFailure("--loss-chunk", "0")).contains("--loss-chunk (0) must be >= 1");
    }

    /** Runs {@code bench} with the arguments, expects exit code 2 and returns what it wrote to stderr. */
    private static String benchFailure(String... arguments) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            String[] command = new String[arguments.length + 1];
            command[0] = "bench";
            System.arraycopy(arguments, 0, command, 1, arguments.length);
            assertThat(TrainerCli.newCommandLine().execute(command)).isEqualTo(2);
        } finally {
            System.setErr(original);
        }
        return err.toString(StandardCharsets.UTF_8);
    }
}
