package org.chspool.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.chspool.admin.StatusReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spoolctl flush}: asks the agent to send every table now ({@code POST /flush}); with
 * {@code --wait}, shows the rows left until the spool is empty or the timeout passes.
 * Exit code: 0 done (or emptied), 1 rows left at the timeout, 3 no agent, 64 usage error.
 */
@Command(name = "flush", mixinStandardHelpOptions = true, description = "Send every queued table to ClickHouse now, without waiting for batch size or age.",
        footer = {"", "Exit codes: 0 flushed (with --wait: the spool is empty), 1 rows left at the timeout, 3 no agent,"
                + " 64 usage error.", "",
                "Examples:",
                "  spoolctl flush --namespace prod",
                "  spoolctl flush --namespace prod --wait --timeout 120"})
final class FlushCommand implements Callable<Integer> {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Option(names = "--wait", description = "wait until the spool is empty, showing the rows left")
    boolean await;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "longest wait with --wait (default: ${DEFAULT-VALUE} s)")
    double timeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        AgentLocation t = target.resolve();
        AdminClient client = AdminClient.connect(t);
        AdminClient.Response r = client.post("/flush", REQUEST_TIMEOUT);
        if (!r.ok()) {
            spec.commandLine().getErr().println("spoolctl: flush refused (" + r.status() + "): " + r.body().strip());
            return 1;
        }
        if (!await) {
            out.println("flush requested");
            return 0;
        }
        long deadline = System.nanoTime() + (long) (timeout * 1e9);
        while (true) {
            StatusReport s = StatusCommand.fetch(t);
            long left = s.totals().queuedRows();
            out.println(left == 0 ? "spool empty" : StatusRenderer.count(left) + " row(s) left"
                    + (s.clickhouse() != null && !s.clickhouse().reachable() ? " (ClickHouse unreachable)" : ""));
            out.flush();
            if (left == 0) {
                return 0;
            }
            if (System.nanoTime() - deadline >= 0) {
                out.println("timed out after " + timeout + " s with " + StatusRenderer.count(left) + " row(s) left");
                return 1;
            }
            Thread.sleep(Math.min(1000, Math.max(50, (deadline - System.nanoTime()) / 1_000_000)));
            client.post("/flush", REQUEST_TIMEOUT);
        }
    }
}
