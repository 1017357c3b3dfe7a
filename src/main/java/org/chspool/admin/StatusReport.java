package org.chspool.admin;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import org.chspool.clickhouse.ServerState;

/**
 * The body of {@code GET /status}, and what {@code spoolctl status} renders (it builds one from the
 * spool file when no agent answers, with {@link #agent} {@code "not running"} and no ClickHouse part).
 * Immutable; serialized with Jackson (unknown fields are ignored when read, so old CLIs read new agents).
 *
 * @param agent {@code running} or {@code not running}
 * @param uptimeSeconds null when the agent is not running
 * @param reasons why the verdict is not OK, most serious first; empty when OK
 * @param clickhouse null when the agent is not running
 * @param maintenance the last maintenance run, null before the first
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record StatusReport(String namespace, String version, String agent, Double uptimeSeconds, Verdict verdict,
                           List<String> reasons, ClickHouse clickhouse, List<Table> tables, Totals totals,
                           Maintenance maintenance) {
    public static final String RUNNING = "running";
    public static final String NOT_RUNNING = "not running";

    public StatusReport {
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
        tables = tables == null ? List.of() : List.copyOf(tables);
    }

    /**
     * The ClickHouse side as the replayer sees it. {@code url} never carries credentials; the password
     * is never part of the report. With several servers ({@code CH_URL} a list) the fields summarise
     * them all and {@link #servers} has each one.
     *
     * @param url the servers' URLs, comma-separated, in the configured order
     * @param reachable whether any server answers
     * @param downForSeconds how long no server has answered (since the last one stopped); 0 when reachable
     * @param lastError the most recent failure of any server, shortened
     * @param serverVersion and {@code capabilities}: of the first server probed so far, null when unknown
     * @param loadBalancing {@code in_order} or {@code round_robin}; null in reports of older agents
     * @param servers one entry per configured server; empty in reports of older agents
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ClickHouse(String url, String user, String database, boolean reachable, double downForSeconds,
                             String lastError, String serverVersion, Map<String, Boolean> capabilities,
                             String loadBalancing, List<ClickHouseServer> servers) {
        public ClickHouse {
            servers = servers == null ? List.of() : List.copyOf(servers);
        }

        /** The summary alone, as agents before the server list wrote it. */
        public ClickHouse(String url, String user, String database, boolean reachable, double downForSeconds,
                          String lastError, String serverVersion, Map<String, Boolean> capabilities) {
            this(url, user, database, reachable, downForSeconds, lastError, serverVersion, capabilities, null, null);
        }
    }

    /**
     * One configured ClickHouse server and its health.
     *
     * @param url without credentials
     * @param state a {@link ServerState.Condition#label()}: {@code up}, {@code down} (no answer),
     *     {@code failing} (answers retryable errors) or {@code unknown} (no request has reached it yet,
     *     e.g. a standby under {@code in_order})
     * @param reachable false while it does not answer
     * @param downForSeconds how long it has not answered; 0 when reachable
     * @param skippedForSeconds how much longer the agent sends it nothing after failures; 0 when in rotation
     * @param consecutiveFailures failures in a row (no answer, or a retryable error)
     * @param lastError its last such failure, shortened; kept after it recovers (see {@code state})
     * @param insertsOk inserts it accepted since start
     * @param insertsFailed inserts that failed on it since start
     * @param meanInsertSeconds mean duration of those inserts; null before the first
     * @param serverVersion and {@code capabilities}: from its own probe, null when unknown
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ClickHouseServer(String url, String state, boolean reachable, double downForSeconds,
                                   double skippedForSeconds, int consecutiveFailures, String lastError,
                                   long insertsOk, long insertsFailed, Double meanInsertSeconds,
                                   String serverVersion, Map<String, Boolean> capabilities) {
        /** Down, or answering with retryable errors: the agent routes around it. */
        @JsonIgnore
        public boolean impaired() {
            return ServerState.Condition.DOWN.label().equals(state) || ServerState.Condition.FAILING.label().equals(state);
        }
    }

    /**
     * One table with queued, delivered or quarantined rows.
     *
     * @param oldestAgeSeconds age of the oldest queued row; 0 when nothing is queued
     * @param headAttempts failed attempts of the oldest queued row
     * @param lastError the head row's last error, shortened; null when none
     * @param deliveredRows rows delivered since the agent started
     * @param rowsPerSecond delivery rate over the last few seconds
     * @param quarantinedRows rows of this table in the quarantine (all time, until purged)
     * @param frozenBatches batches frozen (identity committed) and not yet accepted: being sent or waiting
     *     for their retry
     * @param guarantee what a retried insert can rely on, e.g. {@code exactly-once (replicated)} or
     *     {@code at-least-once}; null when the agent is not running
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Table(String table, long queuedRows, long queuedBytes, double oldestAgeSeconds, int headAttempts,
                        String lastError, long deliveredRows, double rowsPerSecond, long quarantinedRows,
                        long frozenBatches, String guarantee) {
    }

    /**
     * Whole-agent figures. {@code spoolMaxBytes} and {@code quarantineMaxBytes} are 0 when unknown (offline).
     *
     * @param freeDiskBytes usable bytes on the spool's filesystem, -1 when unknown
     * @param rejectedRows rows refused since start by reason code (busy, spool_full, ...)
     * @param quarantinedBytes payload bytes in the quarantine
     * @param quarantineMaxBytes {@code CH_QUARANTINE_MAX_BYTES}: at the cap rows ClickHouse rejects stay queued
     * @param quarantineRefusedRows rows not quarantined since start because the quarantine was full (each
     *     attempt counts; they stayed queued)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Totals(String spoolFile, long queuedRows, long queuedBytes, long spoolMaxBytes, long spoolFileBytes,
                         long walBytes, long freeDiskBytes, long acceptedRows, long deliveredRows,
                         double rowsPerSecond, long quarantinedRows, Map<String, Long> rejectedRows,
                         long quarantinedBytes, long quarantineMaxBytes, long quarantineRefusedRows) {
        /** Without the quarantine's size (as agents before the quarantine cap wrote it). */
        public Totals(String spoolFile, long queuedRows, long queuedBytes, long spoolMaxBytes, long spoolFileBytes,
                      long walBytes, long freeDiskBytes, long acceptedRows, long deliveredRows,
                      double rowsPerSecond, long quarantinedRows, Map<String, Long> rejectedRows) {
            this(spoolFile, queuedRows, queuedBytes, spoolMaxBytes, spoolFileBytes, walBytes, freeDiskBytes, acceptedRows,
                    deliveredRows, rowsPerSecond, quarantinedRows, rejectedRows, 0, 0, 0);
        }
    }

    /** The last maintenance run: when, whether it succeeded, and its one-line summary. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Maintenance(String at, boolean ok, String summary) {
    }
}
