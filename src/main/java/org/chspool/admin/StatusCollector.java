package org.chspool.admin;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.chspool.Version;
import org.chspool.clickhouse.ServerCapabilities;
import org.chspool.clickhouse.ServerState;
import org.chspool.config.AgentConfig;
import org.chspool.replay.ReplayCounters;
import org.chspool.replay.ServerHealth;
import org.chspool.replay.TableReplayStatus;
import org.chspool.spool.MaintenanceResult;
import org.chspool.spool.RejectReason;
import org.chspool.spool.Spool;
import org.chspool.spool.SpoolFiles;
import org.chspool.spool.TableBacklog;
import org.chspool.util.Threads;

/**
 * Builds a {@link StatusReport} of a running agent from its {@link StatusSource}: the spool's backlog
 * (two bounded queries per table with rows), the replayer's per-table state and counters, file sizes,
 * free disk, and the verdict. Thread-safe: all state read is thread-safe; the rate samples are
 * synchronized inside {@link DeliveryRates}.
 */
public final class StatusCollector {
    static final int MAX_ERROR_CHARS = 200;

    private final StatusSource src;
    private final HealthPolicy policy;
    private final DeliveryRates rates;
    private final Clock clock;
    private final LongSupplier nanoTime;
    /** Thread deaths (by role) before this agent started: only later ones are its own. */
    private final Map<String, Long> deathsBefore = Threads.deaths();

    public StatusCollector(StatusSource src, HealthPolicy policy, DeliveryRates rates, Clock clock,
                           LongSupplier nanoTime) {
        this.src = src;
        this.policy = policy;
        this.rates = rates;
        this.clock = clock;
        this.nanoTime = nanoTime;
    }

    /** {@code replay-sender (1), ingest-io (2)} for the threads that died since start, or null. */
    private String deathsSinceStart() {
        StringBuilder sb = new StringBuilder();
        Threads.deaths().forEach((role, n) -> {
            long mine = n - deathsBefore.getOrDefault(role, 0L);
            if (mine > 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(role).append(" (").append(mine).append(')');
            }
        });
        return sb.length() == 0 ? null : sb.toString();
    }

    /** Takes a rate sample; the admin server calls this about once a second. */
    public void sampleRates() {
        rates.record(nanoTime.getAsLong(), delivered(src.replayer().tableStatus()));
    }

    public StatusReport collect() throws SQLException, org.chspool.spool.SpoolFileException {
        AgentConfig config = src.config();
        Spool spool = src.spool();
        long nowUs = micros(clock);
        long nowNanos = nanoTime.getAsLong();
        List<TableBacklog> backlog = spool.reader().backlog();
        Map<String, Long> quarantined = spool.reader().quarantineCounts();
        Map<String, Long> frozen = spool.reader().frozenCounts();
        List<TableReplayStatus> replay = src.replayer().tableStatus();
        Map<String, TableReplayStatus> replayByTable = new TreeMap<>();
        replay.forEach(r -> replayByTable.put(r.table(), r));
        Map<String, Double> perSecond = rates.perSecond(nowNanos, delivered(replay));
        Map<String, TableBacklog> backlogByTable = new TreeMap<>();
        backlog.forEach(b -> backlogByTable.put(b.table(), b));

        TreeSet<String> names = new TreeSet<>(backlogByTable.keySet());
        names.addAll(replayByTable.keySet());
        names.addAll(quarantined.keySet());
        List<StatusReport.Table> tables = new ArrayList<>();
        double totalRate = 0;
        for (String name : names) {
            TableBacklog b = backlogByTable.get(name);
            TableReplayStatus r = replayByTable.get(name);
            double rate = perSecond.getOrDefault(name, 0.0);
            totalRate += rate;
            tables.add(table(name, b, r, rate, quarantined.getOrDefault(name, 0L), frozen.getOrDefault(name, 0L), nowUs));
        }
        long quarantinedTotal = quarantined.values().stream().mapToLong(Long::longValue).sum();
        ReplayCounters rc = src.replayer().counters();
        Map<String, Long> rejected = rejectedByCode(spool.counters().rejectedRows());
        StatusReport.Totals totals = new StatusReport.Totals(spool.file().toAbsolutePath().toString(),
                spool.queuedRows(), spool.queuedBytes(), config.spoolMaxBytes(), SpoolFiles.sizeOrZero(spool.file()),
                SpoolFiles.sizeOrZero(SpoolFiles.walOf(spool.file())), freeBytes(spool), spool.counters().rowsAccepted(), rc.deliveredRows(),
                totalRate, quarantinedTotal, rejected, spool.quarantinedBytes(), config.quarantineMaxBytes(),
                spool.counters().quarantineRefusedRows());
        StatusReport.ClickHouse ch = clickHouse(config, src.replayer().health(), src.server().get());
        org.chspool.spool.RecoveryNotice recovery = src.spool().recoveryNotice();
        HealthCheck.Health health = HealthCheck.evaluate(policy, ch, tables, totals,
                recovery == null ? null : recovery.summary(), config.unauthenticatedListeners());
        String writerFailure = spool.writerFailure();
        if (writerFailure != null) {
            health = health.worsenedBy(Verdict.DOWN, "puts are refused (io_error) until the agent is restarted: "
                    + shorten(writerFailure));
        }
        String died = deathsSinceStart();
        if (died != null) {
            health = health.worsenedBy(Verdict.DEGRADED, "agent threads died unexpectedly: " + died
                    + "; their work has stopped (the ERROR 'died unexpectedly' in the log has the cause): restart the agent");
        }
        MaintenanceResult m = src.maintenance().last();
        return new StatusReport(config.namespace(), Version.get(), StatusReport.RUNNING,
                src.uptimeNanos().getAsLong() / 1e9, health.verdict(), health.reasons(), ch, tables, totals,
                m == null ? null : new StatusReport.Maintenance(m.at().toString(), m.ok(), m.summary()));
    }

    static StatusReport.Table table(String name, TableBacklog b, TableReplayStatus r, double rate, long quarantined,
                                    long frozen, long nowUs) {
        return new StatusReport.Table(name, b == null ? 0 : b.rows(), b == null ? 0 : b.bytes(),
                b == null ? 0 : Math.max(0, nowUs - b.oldestCreatedUs()) / 1e6, b == null ? 0 : b.headAttempts(),
                b == null ? null : shorten(b.headLastError()), r == null ? 0 : r.deliveredRows(), rate, quarantined,
                frozen, r == null ? org.chspool.clickhouse.DeliveryGuarantee.UNKNOWN.label() : r.guarantee());
    }

    /**
     * The ClickHouse part: every server from one snapshot of the pool, and the summary derived from it
     * (reachable while any server answers; down for as long as the last one has not answered).
     */
    static StatusReport.ClickHouse clickHouse(AgentConfig c, ServerHealth h, ServerCapabilities caps) {
        List<ServerState> states = h.servers();
        List<StatusReport.ClickHouseServer> servers = new ArrayList<>(states.size());
        List<String> urls = new ArrayList<>(states.size());
        boolean allDown = !states.isEmpty();
        long downFor = Long.MAX_VALUE;
        for (ServerState s : states) {
            StatusReport.ClickHouseServer server = server(s);
            servers.add(server);
            urls.add(server.url());
            allDown &= !s.reachable();
            downFor = Math.min(downFor, s.downForNanos());
        }
        return new StatusReport.ClickHouse(String.join(",", urls), c.user(), c.database(), !allDown,
                allDown ? downFor / 1e9 : 0, shorten(h.lastError()), caps == null ? null : caps.version(),
                features(caps), h.loadBalancing(), servers);
    }

    static StatusReport.ClickHouseServer server(ServerState s) {
        ServerCapabilities caps = s.capabilities();
        return new StatusReport.ClickHouseServer(withoutCredentials(URI.create(s.url())), s.condition().label(),
                s.reachable(), s.downForNanos() < 0 ? 0 : s.downForNanos() / 1e9, s.unavailableForNanos() / 1e9,
                s.consecutiveFailures(), shorten(s.lastError()), s.insertsOk(), s.insertsFailed(),
                s.meanInsertSeconds(), caps == null ? null : caps.version(), features(caps));
    }

    private static Map<String, Boolean> features(ServerCapabilities caps) {
        if (caps == null) {
            return null;
        }
        Map<String, Boolean> features = new LinkedHashMap<>();
        features.put("async_insert", caps.supportsAsyncInsert());
        features.put("insert_deduplication_token", caps.supportsInsertDeduplicationToken());
        return features;
    }

    private static Map<String, Long> delivered(List<TableReplayStatus> replay) {
        Map<String, Long> out = new TreeMap<>();
        replay.forEach(r -> out.put(r.table(), r.deliveredRows()));
        return out;
    }

    /** The URL without user info, query or fragment: what is safe to show. */
    static String withoutCredentials(URI u) {
        try {
            return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null).toString();
        } catch (URISyntaxException e) {
            return u.getScheme() + "://" + u.getHost();
        }
    }

    /** One line of at most {@value #MAX_ERROR_CHARS} characters, or null. */
    public static String shorten(String error) {
        if (error == null || error.isBlank()) {
            return null;
        }
        String one = error.replaceAll("\\s+", " ").strip();
        return one.length() <= MAX_ERROR_CHARS ? one : one.substring(0, MAX_ERROR_CHARS - 1) + "…";
    }

    private static long freeBytes(Spool spool) {
        try {
            return spool.freeSpaceProbe().freeBytes(spool.file().toAbsolutePath().getParent());
        } catch (IOException e) {
            return -1;
        }
    }

    static long micros(Clock clock) {
        java.time.Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    static Map<String, Long> rejectedByCode(Map<RejectReason, Long> m) {
        Map<String, Long> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k.code(), v));
        return out;
    }
}
