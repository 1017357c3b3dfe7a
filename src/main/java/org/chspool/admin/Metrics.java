package org.chspool.admin;

import java.util.List;
import java.util.Map;
import org.chspool.Version;
import org.chspool.clickhouse.PooledServer;
import org.chspool.clickhouse.ClickHouseCode;
import org.chspool.util.Threads;
import org.chspool.http.HttpCounters;
import org.chspool.ingest.ErrorCode;
import org.chspool.ingest.IngestCounters;
import org.chspool.replay.ReplayCounters;
import org.chspool.replay.TableReplayStatus;
import org.chspool.spool.MaintenanceResult;
import org.chspool.spool.RejectReason;
import org.chspool.spool.SpoolCounters;

/**
 * The body of {@code GET /metrics}: every counter and gauge of the agent in Prometheus text format,
 * each sample labelled {@code namespace}. Gauges about the backlog come from the same
 * {@link StatusReport} the status view shows, so both agree. The list is documented in
 * {@code docs/operations.md} (Operating). Stateless; one call per scrape.
 */
final class Metrics {
    private Metrics() {}

    static String render(StatusSource src, StatusReport report) {
        PrometheusWriter w = new PrometheusWriter("namespace", src.config().namespace());
        w.family("chspool_build_info", "gauge", "Always 1; the version label is the agent's build.")
                .sample(1, "version", Version.get());
        w.family("chspool_uptime_seconds", "gauge", "Seconds since the agent started.")
                .sample(src.uptimeNanos().getAsLong() / 1e9);
        w.family("chspool_health_verdict", "gauge", "1 for the current verdict (OK, DEGRADED, DOWN), 0 for the others.");
        for (Verdict v : Verdict.values()) {
            w.sample(v == report.verdict() ? 1 : 0, "verdict", v.name());
        }
        w.family("chspool_thread_deaths_total", "counter",
                "Agent threads ended by an unexpected exception since start, by thread (logged at ERROR with its stack).");
        Threads.deaths().forEach((thread, n) -> w.sample(n, "thread", thread));
        spool(w, src.spool().counters(), report.totals());
        tables(w, report);
        replay(w, src.replayer().counters(), src.replayer().tableStatus());
        w.family("chspool_clickhouse_up", "gauge", "1 when ClickHouse answers requests, 0 while it is unreachable.")
                .sample(report.clickhouse().reachable() ? 1 : 0);
        w.family("chspool_clickhouse_down_seconds", "gauge", "Seconds ClickHouse has been unreachable; 0 when up.")
                .sample(report.clickhouse().downForSeconds());
        servers(w, report.clickhouse().servers(), src.replayer().health().pooledServers());
        maintenance(w, src.maintenance().last());
        HttpCounters http = src.http().get();
        if (http != null) {
            http(w, http);
        }
        IngestCounters ingest = src.ingest().get();
        if (ingest != null) {
            ingest(w, ingest);
        }
        return w.toString();
    }

    private static void spool(PrometheusWriter w, SpoolCounters c, StatusReport.Totals t) {
        w.family("chspool_rows_accepted_total", "counter", "Rows committed to the spool since start.")
                .sample(c.rowsAccepted());
        w.family("chspool_rows_rejected_total", "counter", "Rows refused since start, by reason.");
        for (Map.Entry<RejectReason, Long> e : c.rejectedRows().entrySet()) {
            w.sample(e.getValue(), "reason", e.getKey().code());
        }
        w.family("chspool_spool_commits_total", "counter", "Spool transactions committed by the group-commit writer.")
                .sample(c.commits());
        w.family("chspool_spool_queued_rows", "gauge", "Rows queued in the spool, all tables.")
                .sample(t.queuedRows());
        w.family("chspool_spool_queued_bytes", "gauge", "Payload bytes queued, all tables (capped by CH_SPOOL_MAX_BYTES).")
                .sample(t.queuedBytes());
        w.family("chspool_spool_max_bytes", "gauge", "The cap on queued payload bytes (CH_SPOOL_MAX_BYTES).")
                .sample(t.spoolMaxBytes());
        w.family("chspool_spool_file_bytes", "gauge", "Size of the spool file.")
                .sample(t.spoolFileBytes());
        w.family("chspool_spool_wal_bytes", "gauge", "Size of the spool's write-ahead log.")
                .sample(t.walBytes());
        w.family("chspool_disk_free_bytes", "gauge", "Usable bytes on the spool's filesystem (-1 when unknown).")
                .sample(t.freeDiskBytes());
        w.family("chspool_quarantine_bytes", "gauge", "Payload bytes in the quarantine, all tables (capped by CH_QUARANTINE_MAX_BYTES).")
                .sample(t.quarantinedBytes());
        w.family("chspool_quarantine_max_bytes", "gauge",
                "The cap on quarantined bytes (CH_QUARANTINE_MAX_BYTES); beyond it rejected rows stay queued.")
                .sample(t.quarantineMaxBytes());
        w.family("chspool_quarantine_refused_rows_total", "counter",
                "Rows not quarantined because the quarantine was full (each attempt counts); they stayed queued.")
                .sample(c.quarantineRefusedRows());
    }

    private static void tables(PrometheusWriter w, StatusReport r) {
        w.family("chspool_queue_rows", "gauge", "Rows queued per table.");
        r.tables().forEach(t -> w.sample(t.queuedRows(), "table", t.table()));
        w.family("chspool_queue_bytes", "gauge", "Payload bytes queued per table.");
        r.tables().forEach(t -> w.sample(t.queuedBytes(), "table", t.table()));
        w.family("chspool_queue_oldest_age_seconds", "gauge", "Age of the oldest queued row per table; 0 when empty.");
        r.tables().forEach(t -> w.sample(t.oldestAgeSeconds(), "table", t.table()));
        w.family("chspool_quarantine_rows", "gauge", "Rows in the quarantine per table (not retried until an operator acts).");
        r.tables().forEach(t -> w.sample(t.quarantinedRows(), "table", t.table()));
        w.family("chspool_frozen_batches", "gauge", "Batches frozen (identity committed) and not yet accepted, per table.");
        r.tables().forEach(t -> w.sample(t.frozenBatches(), "table", t.table()));
        w.family("chspool_table_exactly_once", "gauge",
                "1 when a retried insert into the table cannot write it twice; label guarantee says why (or at-least-once, unknown).");
        r.tables().stream().filter(t -> t.guarantee() != null).forEach(t -> w.sample(
                t.guarantee().startsWith("exactly-once") ? 1 : 0, "table", t.table(), "guarantee", t.guarantee()));
    }

    private static void replay(PrometheusWriter w, ReplayCounters c, Iterable<TableReplayStatus> tables) {
        w.family("chspool_rows_delivered_total", "counter", "Rows ClickHouse accepted since start, per table.");
        tables.forEach(t -> w.sample(t.deliveredRows(), "table", t.table()));
        w.family("chspool_batches_delivered_total", "counter", "Inserts ClickHouse accepted since start.")
                .sample(c.deliveredBatches());
        w.family("chspool_insert_failures_total", "counter", "Failed insert attempts since start, by class.")
                .sample(c.retryableFailures(), "class", "retryable")
                .sample(c.permanentFailures(), "class", "permanent");
        w.family("chspool_rows_quarantined_total", "counter", "Rows moved to the quarantine since start.")
                .sample(c.quarantinedRows());
        w.family("chspool_rows_deduplicated_total", "counter", "Rows skipped as already present in ClickHouse since start.")
                .sample(c.dedupedRows());
        w.family("chspool_delivery_unexpected_failures_total", "counter",
                "Deliveries that ended in an unexpected exception or error (a bug; logged at ERROR with its stack).")
                .sample(c.unexpectedFailures());
        w.histogram("chspool_insert_duration_seconds", "Duration of ClickHouse inserts (successful or not).",
                c.insertSeconds());
        w.histogram("chspool_batch_rows", "Rows per ClickHouse insert.", c.batchRows());
    }

    /**
     * Per-server families, labelled {@code server} (the URL without credentials): gauges and counts from
     * the report's server list, latencies from the pool's histograms (same order, the configured one).
     */
    private static void servers(PrometheusWriter w, List<StatusReport.ClickHouseServer> servers,
                                List<PooledServer> pooled) {
        w.family("chspool_clickhouse_server_up", "gauge",
                "1 while the server answers requests (or has not been tried yet), 0 while it does not.");
        servers.forEach(s -> w.sample(s.reachable() ? 1 : 0, "server", s.url()));
        w.family("chspool_clickhouse_server_down_seconds", "gauge", "Seconds the server has not answered; 0 when up.");
        servers.forEach(s -> w.sample(s.downForSeconds(), "server", s.url()));
        w.family("chspool_clickhouse_server_available", "gauge",
                "1 when the server is in rotation, 0 while it is skipped after failures.");
        servers.forEach(s -> w.sample(s.skippedForSeconds() > 0 ? 0 : 1, "server", s.url()));
        w.family("chspool_clickhouse_server_consecutive_failures", "gauge",
                "Failures in a row (no answer, or a retryable error); 0 after any other outcome.");
        servers.forEach(s -> w.sample(s.consecutiveFailures(), "server", s.url()));
        w.family("chspool_clickhouse_server_inserts_total", "counter", "Inserts sent to the server since start, by result.");
        servers.forEach(s -> w.sample(s.insertsOk(), "server", s.url(), "result", "ok")
                .sample(s.insertsFailed(), "server", s.url(), "result", "failed"));
        w.family("chspool_clickhouse_server_info", "gauge", "Always 1; the version label is what the server's probe found.");
        servers.stream().filter(s -> s.serverVersion() != null).forEach(s ->
                w.sample(1, "server", s.url(), "version", s.serverVersion()));
        w.family("chspool_clickhouse_server_insert_duration_seconds", "histogram",
                "Duration of inserts sent to the server (successful or not).");
        for (int i = 0; i < Math.min(servers.size(), pooled.size()); i++) {
            w.histogramSamples(pooled.get(i).insertSeconds(), "server", servers.get(i).url());
        }
    }

    private static void maintenance(PrometheusWriter w, MaintenanceResult m) {
        w.family("chspool_maintenance_last_success", "gauge",
                "1 when the last spool maintenance run succeeded, 0 when it failed; absent before the first run.");
        if (m != null) {
            w.sample(m.ok() ? 1 : 0);
        }
        w.family("chspool_maintenance_last_run_timestamp_seconds", "gauge", "Unix time of the last maintenance run.");
        if (m != null) {
            w.sample(m.at().toEpochMilli() / 1000.0);
        }
    }

    private static void http(PrometheusWriter w, HttpCounters c) {
        w.family("chspool_http_requests_total", "counter", "HTTP insert endpoint requests since start.")
                .sample(c.requests());
        w.family("chspool_http_rows_accepted_total", "counter", "Rows committed through the HTTP endpoint since start.")
                .sample(c.rowsAccepted());
        w.family("chspool_http_errors_total", "counter", "HTTP endpoint error answers since start, by ClickHouse code.");
        for (Map.Entry<ClickHouseCode, Long> e : c.errors().entrySet()) {
            w.sample(e.getValue(), "code", String.valueOf(e.getKey().number()), "name", e.getKey().name());
        }
    }

    private static void ingest(PrometheusWriter w, IngestCounters c) {
        w.family("chspool_ingest_connections_open", "gauge", "Put-protocol connections open now.")
                .sample(c.connectionsOpen());
        w.family("chspool_ingest_connections_total", "counter", "Put-protocol connections accepted since start.")
                .sample(c.connectionsOpened());
        w.family("chspool_ingest_unix_connections_total", "counter",
                "Put-protocol Unix-socket connections accepted since start, by the peer's user (SO_PEERCRED).");
        c.unixConnectionsByUser().forEach((user, n) -> w.sample(n, "user", user));
        w.family("chspool_ingest_requests_total", "counter", "Put-protocol request lines received since start.")
                .sample(c.requests());
        w.family("chspool_ingest_held_for_room_total", "counter", "Puts held (their connection not read) until the"
                + " spool writer's queue had room: backpressure instead of busy, since start.")
                .sample(c.putsHeldForRoom());
        w.family("chspool_ingest_errors_total", "counter", "Put-protocol error responses since start, by code.");
        for (Map.Entry<ErrorCode, Long> e : c.errors().entrySet()) {
            w.sample(e.getValue(), "code", e.getKey().code());
        }
    }
}
