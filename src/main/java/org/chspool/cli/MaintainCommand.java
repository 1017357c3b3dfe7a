package org.chspool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code spoolctl maintain}: runs spool maintenance now ({@code POST /maintain}: WAL checkpoint when
 * large, VACUUM when the queue is empty and the disk has room) and prints what it did.
 * Exit code: 0 success, 1 maintenance failed, 3 no agent, 64 usage error.
 */
@Command(name = "maintain", mixinStandardHelpOptions = true, description = "Run spool maintenance now (WAL checkpoint, VACUUM when empty) and show the result.",
        footer = {"", "Exit codes: 0 done, 1 maintenance failed, 3 no agent, 64 usage error.", "",
                "Examples:",
                "  spoolctl maintain --namespace prod",
                "  spoolctl maintain --spool-dir ./spool"})
final class MaintainCommand implements Callable<Integer> {
    /** VACUUM of a large file can take minutes. */
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Override
    public Integer call() throws Exception {
        AdminClient client = AdminClient.connect(target.resolve());
        AdminClient.Response r = client.post("/maintain", TIMEOUT);
        JsonNode body;
        try {
            body = StatusCommand.JSON.readTree(r.body());
        } catch (Exception e) {
            spec.commandLine().getErr().println("spoolctl: maintain: " + r.status() + ": " + r.body().strip());
            return 1;
        }
        boolean ok = body.path("ok").asBoolean(false);
        (ok ? spec.commandLine().getOut() : spec.commandLine().getErr())
                .println((ok ? "maintenance: " : "maintenance FAILED: ") + body.path("summary").asText(r.body().strip()));
        return ok ? 0 : 1;
    }
}
