package org.chspool.cli;

import java.io.PrintWriter;
import org.chspool.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code spoolctl}, the operator's CLI ({@code bin/spoolctl}): one picocli class per subcommand, all
 * sharing {@link TargetOptions}. Exit codes ({@link ExitCodes}): 0 OK, 1 DEGRADED or partly done, 2 DOWN,
 * 3 agent unreachable, 64 usage error.
 */
@Command(name = "spoolctl", mixinStandardHelpOptions = true, versionProvider = SpoolCtl.VersionProvider.class,
        description = "Operate a chspool agent: status, put rows, flush, maintenance, quarantine.",
        exitCodeListHeading = ExitCodes.HEADING, exitCodeList = {ExitCodes.HELP_OK, ExitCodes.HELP_DEGRADED,
                ExitCodes.HELP_DOWN, ExitCodes.HELP_UNREACHABLE, ExitCodes.HELP_USAGE},
        subcommands = {StatusCommand.class, PutCommand.class, FlushCommand.class, MaintainCommand.class,
                QuarantineCommand.class, RecoverCommand.class, ImportWriterCommand.class,
                CompletionCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "AgentLocation an agent with --namespace NAME (systemd layout), --spool-dir DIR or --admin URL.", "",
                "Examples:",
                "  spoolctl status --namespace prod",
                "  spoolctl put events --file rows.jsonl --namespace prod",
                "  spoolctl flush --wait --timeout 120 --namespace prod",
                "  spoolctl maintain --spool-dir ./spool",
                "  spoolctl quarantine list --namespace prod",
                "  spoolctl import-writer /mnt/ch_spool/dolphin/writer.sqlite3 --namespace dolphin",
                "  source <(spoolctl completion)"})
public final class SpoolCtl implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (tests call {@code execute} on it with their own writers). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SpoolCtl());
        ExitCodes codes = new ExitCodes();
        cl.setExitCodeExceptionMapper(codes); // usage errors: 64 (picocli prints the message and the help)
        cl.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof AgentUnreachableException || e instanceof AgentFailedException) {
                err.println("spoolctl: " + e.getMessage());
            } else {
                err.println("spoolctl " + cmd.getCommandName() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            }
            return codes.getExitCode(e);
        });
        return cl;
    }

    /** {@code spoolctl} without a command: a usage error (64), with the help. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command");
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"spoolctl (chspool) " + Version.get()};
        }
    }
}
