package io.mnemo.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code mnemo} command: runs the platform for development and carries the operator commands. Stdout carries
 * only a command's output; logs and progress go to stderr ({@link CliLogging}).
 */
@Command(name = "mnemo", mixinStandardHelpOptions = true, version = "mnemo 0.1.0",
        description = "Mnemo: event-sourced memory ingest. Run the platform locally, operate it.",
        subcommands = {DevCommand.class, KeysCommand.class, StatusCommand.class, ReconcileCommand.class,
                ReplayCommand.class, RebuildCommand.class, DlqCommand.class, DbCommand.class})
public final class MnemoCli implements Runnable {
    @Spec
    CommandSpec spec;

    // INHERIT: accepted after any subcommand too (`mnemo status --verbose`), and bound to this field either way
    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log INFO and up to stderr (default: only errors).")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line as {@link #main} runs it, logging set up by the CLI (tests run it in-process through this). */
    static CommandLine commandLine() {
        MnemoCli mnemo = new MnemoCli();
        CommandLine cli = new CommandLine(mnemo);
        cli.setExecutionStrategy(parsed -> {
            CliLogging.apply(mnemo.verbose);
            return new CommandLine.RunLast().execute(parsed);
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
