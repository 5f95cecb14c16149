package io.mnemo.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mnemo} command: runs the platform for development and carries the operator commands. */
@Command(name = "mnemo", mixinStandardHelpOptions = true, version = "mnemo 0.1.0",
        description = "Mnemo: event-sourced memory ingest. Run the platform locally, operate it.",
        subcommands = {DevCommand.class, KeysCommand.class, StatusCommand.class, ReconcileCommand.class,
                ReplayCommand.class, RebuildCommand.class, DlqCommand.class, DbCommand.class})
public final class MnemoCli implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new MnemoCli()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
