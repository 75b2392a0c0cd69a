package io.tuneforge.trainer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code platform-trainer.jar}: one subcommand per task (generate, train, merge, worker, ...).
 * Every subcommand answers {@code --help}; errors a user can act on print one clear line and exit non-zero.
 */
@Command(
        name = "platform-trainer",
        mixinStandardHelpOptions = true,
        version = "TuneForge trainer 0.1.0",
        description = "TuneForge trainer: fine-tune, evaluate, merge and export LLMs; run a queue worker.",
        subcommands = {
                CommandLine.HelpCommand.class,
                BenchCommand.class,
                TemplateCommand.class,
                ExportGgufCommand.class,
                GenerateCommand.class,
                ScoreCommand.class,
                DatasetCommand.class,
                TrainCommand.class,
                MergeCommand.class,
                LlamaProExpandCommand.class,
                BenchMergeCommand.class,
                BenchGenerateCommand.class,
                BenchPredictCommand.class,
                EvalCommand.class,
                CompareCommand.class,
                WorkerCommand.class,
        })
public final class TrainerCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "tuneforge-cli-logback.xml"); // logs to stderr
        }
        System.exit(newCommandLine().execute(args));
    }

    /** The command line with every subcommand registered; tests call it in-process. */
    public static CommandLine newCommandLine() {
        return new CommandLine(new TrainerCli());
    }
}
