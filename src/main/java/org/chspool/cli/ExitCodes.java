package org.chspool.cli;

import org.chspool.admin.Verdict;
import picocli.CommandLine;

/**
 * spoolctl's exit codes, one table for every command, and picocli's mapping of failures onto them
 * ({@link CommandLine#setExitCodeExceptionMapper}): a usage error is never mistaken for a verdict, and
 * "no agent" is never mistaken for DOWN. The verdict codes are {@link Verdict#exitCode()}'s. Stateless.
 */
final class ExitCodes implements CommandLine.IExitCodeExceptionMapper {
    static final int OK = Verdict.OK.exitCode();
    static final int DEGRADED = Verdict.DEGRADED.exitCode();
    static final int DOWN = Verdict.DOWN.exitCode();
    /** No agent answers on any admin address (for status: and its spool file was read, or could not be). */
    static final int AGENT_UNREACHABLE = 3;
    /** Bad options or arguments (EX_USAGE of sysexits.h); the command's help is printed. */
    static final int USAGE = 64;
    /** A command other than status did part of its job: rows rejected, rows left at the timeout, maintenance failed. */
    static final int INCOMPLETE = 1;

    /** For {@code @Command(exitCodeListHeading = …, exitCodeList = {…})}: what {@code --help} shows. */
    static final String HEADING = "%nExit codes:%n";
    static final String HELP_OK = "0:OK (status: the verdict is OK; other commands: done)";
    static final String HELP_DEGRADED = "1:DEGRADED (status); other commands: done in part (rows rejected, rows"
            + " left, maintenance failed)";
    static final String HELP_DOWN = "2:DOWN (status: the verdict is DOWN, or the agent answers but cannot report"
            + " its status)";
    static final String HELP_UNREACHABLE = "3:agent unreachable (no agent answers; status still shows what the"
            + " spool file holds)";
    static final String HELP_USAGE = "64:usage error (bad option or argument)";

    @Override
    public int getExitCode(Throwable failure) {
        if (failure instanceof CommandLine.ParameterException) {
            return USAGE;
        }
        if (failure instanceof AgentUnreachableException) {
            return AGENT_UNREACHABLE;
        }
        if (failure instanceof AgentFailedException) {
            return DOWN;
        }
        return INCOMPLETE;
    }
}
