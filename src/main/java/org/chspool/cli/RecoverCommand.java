package org.chspool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spoolctl recover --ack}: acknowledges that the agent found its spool file damaged at start,
 * moved it aside and recovered what it could ({@code POST /recovery/ack}). Until then the verdict stays
 * DEGRADED with the details (file kept aside, rows recovered of expected). Exit: 0 done, 1 failed, 3 no agent,
 * 64 usage error.
 */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = "Acknowledge a damaged-spool recovery (the DEGRADED reason shown by status).",
        footer = {"", "Exit codes: 0 acknowledged, 1 failed, 3 no agent, 64 usage error.", "", "Example:", "  spoolctl status --namespace prod        # shows the recovery and the file kept aside",
                "  spoolctl recover --ack --namespace prod"})
final class RecoverCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Option(names = "--ack", required = true, description = "acknowledge the recovery notice")
    boolean ack;

    @Override
    public Integer call() throws Exception {
        AdminClient.Response r = AdminClient.connect(target.resolve()).post("/recovery/ack", Duration.ofSeconds(30));
        if (!r.ok()) {
            spec.commandLine().getErr().println("spoolctl recover: " + r.status() + ": " + r.body().strip());
            return 1;
        }
        JsonNode body = StatusCommand.JSON.readTree(r.body());
        spec.commandLine().getOut().println((body.path("acknowledged").asBoolean() ? "acknowledged: " : "")
                + body.path("message").asText());
        return 0;
    }
}
