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
 * from the spool file (read-only) when no agent answers. Exit code: 0 OK, 1 DEGRADED, 2 DOWN or no agent.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the verdict (OK / DEGRADED / DOWN), per-table backlog and totals.",
        footer = {"", "Exit codes: 0 OK, 1 DEGRADED, 2 DOWN or agent not running.", "",
                "Examples:",
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
        Target t = target.resolve();
        while (true) {
            StatusReport r;
            try {
                r = fetch(t);
            } catch (IOException | SQLException e) {
                spec.commandLine().getErr().println("spoolctl: " + e.getMessage());
                return 2;
            }
            if (watch != null) {
                out.print("\033[H\033[2J");
            }
            out.print(json ? JSON.writeValueAsString(r) + "\n" : StatusRenderer.render(r));
            out.flush();
            if (watch == null) {
                return r.verdict().exitCode();
            }
            Thread.sleep(Math.max(100, (long) (watch * 1000)));
        }
    }

    static StatusReport fetch(Target t) throws IOException, SQLException {
        AdminClient client;
        try {
            client = AdminClient.connect(t);
        } catch (AgentUnreachableException e) {
            try {
                return OfflineStatus.read(t.spoolFile(), e.getMessage(), Clock.systemUTC());
            } catch (IOException | SQLException offline) {
                throw new IOException(e.getMessage() + "; and the spool file cannot be read: " + offline.getMessage(),
                        offline);
            }
        }
        AdminClient.Response resp = client.get("/status", TIMEOUT);
        if (!resp.ok()) {
            throw new IOException(client.where() + " answered " + resp.status() + ": " + resp.body().strip());
        }
        return JSON.readValue(resp.body(), StatusReport.class);
    }
}
