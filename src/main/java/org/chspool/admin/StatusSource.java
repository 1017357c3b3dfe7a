package org.chspool.admin;

import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.chspool.clickhouse.ServerCapabilities;
import org.chspool.config.AgentConfig;
import org.chspool.http.HttpCounters;
import org.chspool.ingest.IngestCounters;
import org.chspool.replay.Replayer;
import org.chspool.spool.Spool;
import org.chspool.spool.SpoolMaintenance;

/**
 * Everything the admin surface reads (and the two things it may trigger: {@code flushNow} and a
 * maintenance run), gathered in one value so the agent wires it in one line and tests can build it
 * from parts. The admin package never reaches into the agent itself.
 *
 * @param uptimeNanos nanoseconds since the agent started
 * @param ingest the put-protocol counters, or a supplier of null while no listener runs
 * @param server what ClickHouse answered to the start-up probe, or a supplier of null when unknown
 * @param http the HTTP insert endpoint's counters, or a supplier of null when it is disabled
 */
public record StatusSource(AgentConfig config, Spool spool, Replayer replayer, SpoolMaintenance maintenance,
                           LongSupplier uptimeNanos, Supplier<IngestCounters> ingest,
                           Supplier<ServerCapabilities> server, Supplier<HttpCounters> http) {
    public StatusSource {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(spool, "spool");
        Objects.requireNonNull(replayer, "replayer");
        Objects.requireNonNull(maintenance, "maintenance");
        Objects.requireNonNull(uptimeNanos, "uptimeNanos");
        ingest = ingest == null ? () -> null : ingest;
        server = server == null ? () -> null : server;
        http = http == null ? () -> null : http;
    }

    /** The sources of an agent without an ingest listener or server probe (tests, early wiring). */
    public static StatusSource of(AgentConfig config, Spool spool, Replayer replayer, SpoolMaintenance maintenance,
                                  LongSupplier uptimeNanos) {
        return new StatusSource(config, spool, replayer, maintenance, uptimeNanos, null, null, null);
    }

    /** The same sources with the put-protocol counters of a running listener. */
    public StatusSource withIngest(Supplier<IngestCounters> counters) {
        return new StatusSource(config, spool, replayer, maintenance, uptimeNanos, counters, server, http);
    }

    /** The same sources with the server probe's result. */
    public StatusSource withServer(Supplier<ServerCapabilities> capabilities) {
        return new StatusSource(config, spool, replayer, maintenance, uptimeNanos, ingest, capabilities, http);
    }

    /** The same sources with the HTTP insert endpoint's counters. */
    public StatusSource withHttp(Supplier<HttpCounters> counters) {
        return new StatusSource(config, spool, replayer, maintenance, uptimeNanos, ingest, server, counters);
    }
}
