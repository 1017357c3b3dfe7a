package org.chspool.config;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.chspool.clickhouse.LoadBalancing;

/**
 * The agent's whole configuration: immutable, validated at construction (every problem reported at
 * once via {@link ConfigException}), safe to share between threads. Built by {@link ConfigLoader}.
 * {@link #toString()} is safe to log: it shows no password or token.
 */
public final class AgentConfig {
    public enum Sync { NORMAL, FULL }

    private final String namespace;
    private final List<URI> clickHouseUrls;
    private final LoadBalancing loadBalancing;
    private final String user;
    private final Secret password;
    private final String database;
    private final Set<String> allowedDatabases;
    private final Path spoolDir;
    private final Sync sync;
    private final long spoolMaxBytes;
    private final long quarantineMaxBytes;
    private final Duration putTimeout;
    private final int admissionQueueRows;
    private final long admissionQueueBytes;
    private final int maxRowBytes;
    private final int batchMaxRows;
    private final int commitMaxRows;
    private final long commitMaxBytes;
    private final int batchSize;
    private final long batchMaxBytes;
    private final Duration flushInterval;
    private final Duration maintenanceInterval;
    private final long walTruncateBytes;
    private final long vacuumMinBytes;
    private final double vacuumMinFreeRatio;
    private final long vacuumMinFreeBytes;
    private final Path socketPath;
    private final String socketGroup;
    private final Endpoint listen;
    private final Secret authToken;
    private final boolean insecureLoopback;
    private final int maxLineBytes;
    private final Endpoint adminListen;
    private final Endpoint httpListen;
    private final long httpMaxBodyBytes;
    private final int replayThreads;
    private final Duration backoffInitial;
    private final Duration backoffMax;
    private final int maxAttempts;
    private final Duration maxAge;
    private final Map<String, List<String>> dedupeKeys;
    private final Duration shutdownGrace;
    private final Duration connectTimeout;
    private final Duration socketTimeout;
    private final boolean compress;
    private final boolean skipUnknownFields;
    private final Duration alertAge;
    private final Duration downAfter;

    AgentConfig(Map<Setting, String> raw) throws ConfigException {
        ValueParser p = new ValueParser(raw);
        namespace = p.string(Setting.NAMESPACE);
        if (!Identifiers.isValid(namespace.replace('-', '_'))) {
            p.problem(Setting.NAMESPACE, "use letters, digits, '_' and '-'");
        }
        clickHouseUrls = p.httpUrls(Setting.URL);
        loadBalancing = LoadBalancing.fromConfigName(p.string(Setting.LOAD_BALANCING).toLowerCase(java.util.Locale.ROOT));
        if (loadBalancing == null) {
            p.problem(Setting.LOAD_BALANCING, "must be " + LoadBalancing.configNames());
        }
        user = p.string(Setting.USER);
        password = readPassword(p);
        database = p.string(Setting.DB);
        if (!Identifiers.isValid(database)) {
            p.problem(Setting.DB, "not a valid database name");
        }
        allowedDatabases = parseAllowed(p, database);
        spoolDir = Path.of(p.string(Setting.SPOOL_DIR).isEmpty() ? "." : p.string(Setting.SPOOL_DIR));
        Path predecessorFile = PredecessorSpoolDir.find(spoolDir);
        if (predecessorFile != null) {
            p.problem(Setting.SPOOL_DIR, PredecessorSpoolDir.problem(predecessorFile));
        }
        sync = parseSync(p);
        spoolMaxBytes = p.bytesIn(Setting.SPOOL_MAX_BYTES, 1 << 20, Long.MAX_VALUE);
        quarantineMaxBytes = p.string(Setting.QUARANTINE_MAX_BYTES).isEmpty() ? spoolMaxBytes / 4
                : p.bytesIn(Setting.QUARANTINE_MAX_BYTES, 1, Long.MAX_VALUE);
        putTimeout = Duration.ofMillis(p.longIn(Setting.PUT_TIMEOUT_MS, 1, 60_000));
        admissionQueueRows = p.intIn(Setting.ADMISSION_QUEUE_ROWS, 1, 10_000_000);
        admissionQueueBytes = p.bytesIn(Setting.ADMISSION_QUEUE_BYTES, 1024, 1L << 40);
        maxRowBytes = (int) p.bytesIn(Setting.MAX_ROW_BYTES, 16, 256 << 20);
        commitMaxRows = p.intIn(Setting.COMMIT_MAX_ROWS, 1, 1_000_000);
        commitMaxBytes = p.bytesIn(Setting.COMMIT_MAX_BYTES, 1024, 1L << 30);
        batchSize = p.intIn(Setting.BATCH_SIZE, 1, 1_000_000);
        batchMaxRows = p.intIn(Setting.BATCH_MAX_ROWS, 1, 10_000_000);
        if (batchMaxRows < batchSize) {
            p.problem(Setting.BATCH_MAX_ROWS, "must be >= CH_BATCH_SIZE");
        }
        batchMaxBytes = p.bytesIn(Setting.BATCH_MAX_BYTES, 1024, 1L << 30);
        flushInterval = Duration.ofMillis(Math.round(p.doubleIn(Setting.FLUSH_INTERVAL_S, 0, 3600) * 1000));
        double maintenanceS = p.doubleIn(Setting.MAINTENANCE_INTERVAL_S, 0, 7 * 86400);
        if (maintenanceS < 1) {
            p.problem(Setting.MAINTENANCE_INTERVAL_S, "below 1 s; the in-process writer ran its maintenance on every"
                    + " flush loop with 0, the agent checks WAL size and free pages at most this often: give 1 or more");
        }
        maintenanceInterval = Duration.ofMillis(Math.round(Math.max(1, maintenanceS) * 1000));
        walTruncateBytes = p.bytesIn(Setting.WAL_TRUNCATE_BYTES, 0, Long.MAX_VALUE);
        vacuumMinBytes = p.bytesIn(Setting.VACUUM_MIN_BYTES, 0, Long.MAX_VALUE);
        vacuumMinFreeRatio = p.doubleIn(Setting.VACUUM_MIN_FREE_RATIO, 1.0, 100.0);
        vacuumMinFreeBytes = p.bytesIn(Setting.VACUUM_MIN_FREE_BYTES, 0, Long.MAX_VALUE);
        String sock = p.string(Setting.SOCKET);
        socketPath = socketPath(sock, spoolDir);
        socketGroup = p.string(Setting.SOCKET_GROUP);
        authToken = Secret.of(p.string(Setting.AUTH_TOKEN));
        insecureLoopback = p.bool(Setting.INSECURE_LOOPBACK);
        listen = p.endpointOrNull(Setting.LISTEN);
        requireToken(p, Setting.LISTEN, listen, "use the Unix socket (CH_SOCKET) and leave CH_LISTEN empty");
        maxLineBytes = (int) p.bytesIn(Setting.MAX_LINE_BYTES, 1024, 1L << 30);
        adminListen = p.endpointOrNull(Setting.ADMIN_LISTEN);
        httpListen = p.endpointOrNull(Setting.HTTP_LISTEN);
        requireToken(p, Setting.HTTP_LISTEN, httpListen, "leave CH_HTTP_LISTEN empty");
        httpMaxBodyBytes = p.bytesIn(Setting.HTTP_MAX_BODY_BYTES, 1024, 1L << 40);
        replayThreads = p.intIn(Setting.REPLAY_THREADS, 1, 64);
        backoffInitial = Duration.ofMillis(p.longIn(Setting.BACKOFF_INITIAL_MS, 1, 3_600_000));
        backoffMax = Duration.ofMillis(p.longIn(Setting.BACKOFF_MAX_MS, 1, 86_400_000));
        if (backoffMax.compareTo(backoffInitial) < 0) {
            p.problem(Setting.BACKOFF_MAX_MS, "must be >= CH_BACKOFF_INITIAL_MS");
        }
        maxAttempts = p.intIn(Setting.MAX_ATTEMPTS, 1, 1_000_000);
        maxAge = Duration.ofSeconds(p.longIn(Setting.MAX_AGE_S, 1, 365L * 86400));
        dedupeKeys = parseDedupe(p);
        shutdownGrace = Duration.ofMillis(Math.round(p.doubleIn(Setting.SHUTDOWN_GRACE_S, 0, 3600) * 1000));
        connectTimeout = Duration.ofMillis(p.longIn(Setting.CONNECT_TIMEOUT_MS, 1, 600_000));
        socketTimeout = Duration.ofMillis(p.longIn(Setting.SOCKET_TIMEOUT_MS, 1, 3_600_000));
        compress = p.bool(Setting.COMPRESS);
        skipUnknownFields = p.bool(Setting.SKIP_UNKNOWN_FIELDS);
        alertAge = Duration.ofSeconds(p.longIn(Setting.ALERT_AGE_S, 1, 365L * 86400));
        downAfter = Duration.ofMillis(Math.round(p.doubleIn(Setting.DOWN_AFTER_S, 0, 86400) * 1000));
        if (adminListen != null && !adminListen.isLoopback()) {
            p.problem(Setting.ADMIN_LISTEN, "must be a loopback address (status, metrics and health are served"
                    + " without a token)");
        }
        if (!p.problems().isEmpty()) {
            throw new ConfigException(p.problems());
        }
    }

    /**
     * A TCP listener that accepts rows is reachable by every local user (loopback is not a security
     * boundary), so it needs CH_AUTH_TOKEN; on loopback CH_INSECURE_LOOPBACK=1 waives that explicitly.
     */
    private void requireToken(ValueParser p, Setting s, Endpoint ep, String alternative) {
        if (ep == null || authToken.isSet()) {
            return;
        }
        if (!ep.isLoopback()) {
            p.problem(s, "a non-loopback address requires CH_AUTH_TOKEN (CH_INSECURE_LOOPBACK covers loopback only)");
        } else if (!insecureLoopback) {
            p.problem(s, "a TCP listener requires CH_AUTH_TOKEN, because any local user can connect to a loopback"
                    + " port; set CH_AUTH_TOKEN, or " + alternative + ", or set CH_INSECURE_LOOPBACK=1 to accept"
                    + " rows from every local user");
        }
    }

    private static Secret readPassword(ValueParser p) {
        String file = p.string(Setting.PASS_FILE);
        String inline = p.string(Setting.PASS);
        if (!file.isEmpty() && !inline.isEmpty()) {
            p.problem(Setting.PASS_FILE, "set CH_PASS or CH_PASS_FILE, not both");
        }
        if (file.isEmpty()) {
            return Secret.of(inline);
        }
        try {
            List<String> lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
            return Secret.of(lines.isEmpty() ? "" : lines.get(0).strip());
        } catch (IOException | RuntimeException e) {
            p.problem(Setting.PASS_FILE, "cannot read: " + e.getClass().getSimpleName());
            return Secret.NONE;
        }
    }

    private static Set<String> parseAllowed(ValueParser p, String database) {
        String v = p.string(Setting.ALLOWED_DATABASES);
        Set<String> out = new LinkedHashSet<>();
        if (v.isEmpty()) {
            out.add(database);
            return Set.copyOf(out);
        }
        for (String db : v.split(",")) {
            String d = db.trim();
            if (!Identifiers.isValid(d)) {
                p.problem(Setting.ALLOWED_DATABASES, "'" + d + "' is not a valid database name");
            }
            out.add(d);
        }
        return Set.copyOf(out);
    }

    private static Sync parseSync(ValueParser p) {
        try {
            return Sync.valueOf(p.string(Setting.SYNC).toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            p.problem(Setting.SYNC, "must be NORMAL or FULL");
            return Sync.NORMAL;
        }
    }

    private static Map<String, List<String>> parseDedupe(ValueParser p) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String v = p.string(Setting.DEDUPE);
        if (v.isEmpty() || v.equalsIgnoreCase("none")) {
            return Map.of();
        }
        for (String entry : v.split(";")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int colon = e.indexOf(':');
            String table = colon < 0 ? "" : e.substring(0, colon).trim();
            List<String> cols = new ArrayList<>();
            if (colon >= 0) {
                for (String c : e.substring(colon + 1).split(",")) {
                    cols.add(c.trim());
                }
            }
            boolean tableOk = Arrays.stream(table.split("\\.", -1)).allMatch(Identifiers::isValid)
                    && table.split("\\.").length <= 2;
            if (!tableOk || cols.isEmpty() || !cols.stream().allMatch(Identifiers::isValid)) {
                p.problem(Setting.DEDUPE, "entry '" + e + "' is not table:column[,column...]");
                continue;
            }
            out.put(table, List.copyOf(cols));
        }
        return Map.copyOf(out);
    }

    public String namespace() { return namespace; }
    /** The first of {@link #clickHouseUrls()}. */
    public URI clickHouseUrl() { return clickHouseUrls.get(0); }
    /** The ClickHouse servers, in the configured order (at least one, no duplicates, no credentials). */
    public List<URI> clickHouseUrls() { return clickHouseUrls; }
    /** How the replayer picks among {@link #clickHouseUrls()} ({@code CH_LOAD_BALANCING}). */
    public LoadBalancing loadBalancing() { return loadBalancing; }
    public String user() { return user; }
    public Secret password() { return password; }
    public String database() { return database; }
    public Set<String> allowedDatabases() { return allowedDatabases; }
    public Path spoolDir() { return spoolDir; }
    /**
     * The one rule for {@code CH_SOCKET}: {@code none} disables the put socket (null), empty means
     * {@code <spool dir>/put.sock}, anything else is the path. Shared with spoolctl, which finds the agent by it.
     */
    public static Path socketPath(String setting, Path spoolDir) {
        return setting.equalsIgnoreCase("none") ? null
                : setting.isEmpty() ? spoolDir.resolve("put.sock") : Path.of(setting);
    }

    public Path spoolFile() { return spoolDir.resolve("spool.db"); }
    public Sync sync() { return sync; }
    public long spoolMaxBytes() { return spoolMaxBytes; }
    /** CH_QUARANTINE_MAX_BYTES: quarantined payload bytes beyond which new quarantines are refused. */
    public long quarantineMaxBytes() { return quarantineMaxBytes; }
    public Duration putTimeout() { return putTimeout; }
    public int admissionQueueRows() { return admissionQueueRows; }
    public long admissionQueueBytes() { return admissionQueueBytes; }
    public int maxRowBytes() { return maxRowBytes; }
    /** Most rows per insert when a table has a backlog (flushes start at {@link #batchSize()}). */
    public int batchMaxRows() { return batchMaxRows; }
    public int commitMaxRows() { return commitMaxRows; }
    public long commitMaxBytes() { return commitMaxBytes; }
    public int batchSize() { return batchSize; }
    public long batchMaxBytes() { return batchMaxBytes; }
    public Duration flushInterval() { return flushInterval; }
    public Duration maintenanceInterval() { return maintenanceInterval; }
    public long walTruncateBytes() { return walTruncateBytes; }
    public long vacuumMinBytes() { return vacuumMinBytes; }
    public double vacuumMinFreeRatio() { return vacuumMinFreeRatio; }
    public long vacuumMinFreeBytes() { return vacuumMinFreeBytes; }
    /** The put-protocol Unix socket, or null when disabled. */
    public Path socketPath() { return socketPath; }
    public String socketGroup() { return socketGroup; }
    /** The put-protocol TCP listener, or null when disabled. */
    public Endpoint listen() { return listen; }
    /** The token TCP clients must present (put protocol, HTTP insert, admin); may be unset. */
    public Secret authToken() { return authToken; }
    /** {@code CH_INSECURE_LOOPBACK}: loopback put/HTTP listeners may run without a token. */
    public boolean insecureLoopback() { return insecureLoopback; }

    /**
     * The listeners that accept rows from any local user because they run without a token (allowed only
     * with {@link #insecureLoopback()}), described for the start-up warning and the DEGRADED reason;
     * empty when every TCP listener needs the token.
     */
    public List<String> unauthenticatedListeners() {
        List<String> out = new ArrayList<>();
        if (!authToken.isSet()) {
            if (listen != null) {
                out.add("put protocol on " + listen + " (CH_LISTEN)");
            }
            if (httpListen != null) {
                out.add("HTTP insert endpoint on " + httpListen + " (CH_HTTP_LISTEN)");
            }
        }
        return List.copyOf(out);
    }
    public int maxLineBytes() { return maxLineBytes; }
    public Endpoint adminListen() { return adminListen; }
    public Path adminSocketPath() { return spoolDir.resolve("admin.sock"); }
    public Endpoint httpListen() { return httpListen; }
    /** Largest decompressed body of one request to the HTTP insert endpoint. */
    public long httpMaxBodyBytes() { return httpMaxBodyBytes; }
    public int replayThreads() { return replayThreads; }
    public Duration backoffInitial() { return backoffInitial; }
    public Duration backoffMax() { return backoffMax; }
    public int maxAttempts() { return maxAttempts; }
    public Duration maxAge() { return maxAge; }
    /** Dedupe key columns by table as configured ({@code table} or {@code db.table}). */
    public Map<String, List<String>> dedupeKeys() { return dedupeKeys; }
    public Duration shutdownGrace() { return shutdownGrace; }
    public Duration connectTimeout() { return connectTimeout; }
    public Duration socketTimeout() { return socketTimeout; }
    public boolean compress() { return compress; }
    public boolean skipUnknownFields() { return skipUnknownFields; }
    public Duration alertAge() { return alertAge; }
    /** How long ClickHouse may be unreachable before the health verdict is DOWN. */
    public Duration downAfter() { return downAfter; }

    @Override
    public String toString() {
        return "AgentConfig{namespace=" + namespace + ", url=" + clickHouseUrls + ", loadBalancing=" + loadBalancing
                + ", user=" + user
                + ", password=" + password + ", db=" + database + ", spool=" + spoolFile() + ", sync=" + sync + "}";
    }
}
