package org.chspool.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.chspool.admin.StatusReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spoolctl status}: the agent's verdict, per-table backlog and totals, from {@code GET /status};
 * from the spool file (read-only) when no agent answers. Exit code: the verdict's (0 OK, 1 DEGRADED,
 * 2 DOWN, also when the agent answers but cannot report its status), 3 when no agent answers (after
 * showing the spool file), so a monitoring script can tell them apart.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the verdict (OK / DEGRADED / DOWN), per-table backlog and totals.",
        exitCodeListHeading = ExitCodes.HEADING, exitCodeList = {"0:OK", "1:DEGRADED",
                "2:DOWN (also: the agent answers but cannot report its status)",
                ExitCodes.HELP_UNREACHABLE, ExitCodes.HELP_USAGE},
        footer = {"", "Examples:",
                "  spoolctl status --namespace prod",
                "  spoolctl status --spool-dir ./spool --json",
                "  spoolctl status --admin http://127.0.0.1:7124 --watch 2"})
final class StatusCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Option(names = "--json", description = "print the status as JSON (the agent's /status document)")
    boolean json;

    @Option(names = "--watch", paramLabel = "SECONDS", description = "refresh every SECONDS until interrupted")
    Double watch;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AgentLocation t = target.resolve();
        while (true) {
            StatusReport r;
            try {
                r = fetch(t);
            } catch (AgentUnreachableException e) {
                err.println("spoolctl: " + e.getMessage());
                return ExitCodes.AGENT_UNREACHABLE;
            } catch (AgentFailedException e) {
                err.println("spoolctl: " + e.getMessage() + "; reported as DOWN");
                return ExitCodes.DOWN;
            }
            if (watch != null) {
                out.print("\033[H\033[2J");
            }
            out.print(json ? JSON.writeValueAsString(r) + "\n" : StatusRenderer.render(r));
            out.flush();
            if (watch == null) {
                return StatusReport.RUNNING.equals(r.agent()) ? r.verdict().exitCode() : ExitCodes.AGENT_UNREACHABLE;
            }
            Thread.sleep(Math.max(100, (long) (watch * 1000)));
        }
    }

    /**
     * The running agent's status; when no agent answers, the spool file's (agent "not running").
     *
     * @throws AgentUnreachableException no agent answers and the spool file cannot be read either, or the
     *     agent stopped answering before its status came
     * @throws AgentFailedException the agent answered the status request with an error
     */
    static StatusReport fetch(AgentLocation t) throws AgentUnreachableException, AgentFailedException {
        AdminClient client;
        try {
            client = AdminClient.connect(t);
        } catch (AgentUnreachableException e) {
            try {
                return OfflineStatus.read(t.spoolFile(), e.getMessage(), Clock.systemUTC());
            } catch (IOException | SQLException offline) {
                throw new AgentUnreachableException(e.getMessage() + "; and the spool file cannot be read: "
                        + offline.getMessage());
            }
        }
        AdminClient.Response resp;
        try {
            resp = client.get("/status", TIMEOUT);
        } catch (IOException e) {
            throw new AgentUnreachableException("the agent at " + client.where() + " did not answer GET /status: "
                    + e.getMessage());
        }
        if (!resp.ok()) {
            throw new AgentFailedException("the agent at " + client.where() + " answers, but its status failed: HTTP "
                    + resp.status() + ": " + resp.body().strip());
        }
        try {
            return JSON.readValue(resp.body(), StatusReport.class);
        } catch (IOException e) {
            throw new AgentFailedException("the agent at " + client.where() + " answered GET /status with a document"
                    + " spoolctl cannot read: " + e.getMessage());
        }
    }
}
