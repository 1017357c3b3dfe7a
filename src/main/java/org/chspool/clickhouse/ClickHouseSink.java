package org.chspool.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ClientFaultCause;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.chspool.Version;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends spooled rows to ClickHouse: one HTTP request {@code INSERT INTO `db`.`table` FORMAT
 * JSONEachRow} per batch, the body being the stored payload bytes joined with {@code '\n'}.
 *
 * <p><b>Capabilities.</b> Before the first insert, and again after any failure where no answer
 * came back (the server may have been replaced), the sink probes the server
 * ({@code SELECT version()}, {@code SELECT name FROM system.settings}) and only ever sends
 * optional settings the server knows: {@code async_insert=0} (never asynchronous: it would merge our
 * block with others and skip deduplication), {@code insert_distributed_sync=1} (or its newer name
 * {@code distributed_foreground_insert}) so a Distributed table accepts only what reached the shards,
 * and {@code insert_deduplication_token}. Always sent: {@code date_time_input_format=best_effort}
 * and {@code input_format_skip_unknown_fields}, both known since long before 18.16.
 *
 * <p><b>client-v2 against old servers (verified with 18.16).</b> Its typed query API asks for
 * RowBinaryWithNamesAndTypes through the {@code X-ClickHouse-Format} header, which 18.16 ignores
 * (it answers TSV and the client fails to parse), so the probe reads raw {@code FORMAT
 * TabSeparated} text. HTTP compression ({@code useHttpCompression}) means
 * {@code Content-Encoding: lz4} in client-v2, which 18.16 rejects; request compression therefore
 * uses ClickHouse's native LZ4 framing ({@code decompress=1}), which all versions accept. The
 * client's own retries are off: one call is one request, and the replayer owns retrying.
 * Server error codes come from the body on 18.16 (no {@code X-ClickHouse-Exception-Code}); see
 * {@link FailureClassifier}.
 *
 * <p><b>Threading.</b> {@link #probe()} and {@link #insert} are for one thread at a time (the
 * replayer's); {@link #capabilities()} and {@link #isReachable()} may be read from any thread.
 */
public final class ClickHouseSink implements SingleServerSink {
    private static final Logger log = LoggerFactory.getLogger(ClickHouseSink.class);

    private final ClickHouseSinkConfig config;
    private final Client client;
    private volatile ServerCapabilities capabilities;
    private volatile boolean reachable;
    private boolean probeNeeded = true;
    private final Set<String> unknownSettingsWarned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public ClickHouseSink(ClickHouseSinkConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.client = new Client.Builder()
                .addEndpoint(config.url())
                .setUsername(config.user())
                .setPassword(config.password())
                .setDefaultDatabase(config.database())
                .setConnectTimeout(config.connectTimeout().toMillis(), ChronoUnit.MILLIS)
                .setSocketTimeout(config.socketTimeout().toMillis(), ChronoUnit.MILLIS)
                .compressClientRequest(config.compressRequests())
                .useHttpCompression(false)
                .compressServerResponse(false)
                .setMaxRetries(0)
                .retryOnFailures(ClientFaultCause.None)
                .useServerTimeZone(false)
                .useTimeZone("UTC")
                .setClientName("chspool/" + Version.get())
                .build();
    }

    public ClickHouseSinkConfig config() {
        return config;
    }

    /**
     * Learns the server's version and settings, and remembers them for later inserts.
     *
     * @throws ClickHouseFailure when the server cannot be reached or refuses the probe
     */
    @Override
    public ServerCapabilities probe() throws ClickHouseFailure {
        try {
            String version = queryText("SELECT version() FORMAT TabSeparated").strip();
            Set<String> settings = new HashSet<>();
            for (String line : queryText("SELECT name FROM system.settings FORMAT TabSeparated").split("\n")) {
                if (!line.isEmpty()) {
                    settings.add(line);
                }
            }
            ServerCapabilities caps = ServerCapabilities.of(version, settings);
            if (!caps.equals(capabilities)) {
                log.info("ClickHouse {} at {}: {} settings, async_insert={}, insert_deduplication_token={}, "
                        + "request compression={}", caps.version(), config.url(), settings.size(),
                        caps.supportsAsyncInsert(), caps.supportsInsertDeduplicationToken(),
                        config.compressRequests() ? "native lz4" : "off");
            }
            capabilities = caps;
            reachable = true;
            probeNeeded = false;
            return caps;
        } catch (Exception e) {
            throw failed(e);
        }
    }

    /** The last probe's result; null before the first successful probe. */
    @Override
    public ServerCapabilities capabilities() {
        return capabilities;
    }

    /**
     * Whether the last probe or insert got an answer from the server (even an error). No network
     * call; false before the first attempt.
     */
    public boolean isReachable() {
        return reachable;
    }

    /**
     * Inserts rows of one {@link InsertForm} in one request: {@code INSERT INTO `db`.`t` [(cols)] FORMAT F},
     * the client's input-format settings beside the agent's own (the client's win for the same name;
     * settings this server does not know are left out, with a WARN once each, since the server would refuse
     * the whole insert for them), the rows joined by {@code '\n'}. JSONCompactEachRow rows go to a server
     * that does not know that format (before 20.1) as JSONEachRow objects keyed by the column list, or by
     * the table's insertable columns ({@code DESCRIBE TABLE}) when the insert had none. An empty list does
     * nothing. (Compact JSON objects, the put protocol's rows, are {@link InsertForm#JSON_EACH_ROW}: the
     * interface's four-argument insert.)
     *
     * @param database target database, already validated as {@code [A-Za-z_][A-Za-z0-9_]*}
     * @param table target table, same rule
     * @param payloads one row per payload, sent as they are after {@code skip} bytes
     * @param skip bytes at the head of every payload that are not the row's (the spool's tag)
     * @param insertToken sent as {@code insert_deduplication_token} when the server knows it; may be null
     * @throws ClickHouseFailure classified RETRYABLE or PERMANENT; a RETRYABLE one after the request was
     *     sent may still have been committed by the server
     */
    @Override
    public void insert(String database, String table, InsertForm form, List<byte[]> payloads, int skip,
                       String insertToken) throws ClickHouseFailure {
        if (payloads.isEmpty()) {
            return;
        }
        ServerCapabilities caps = probeNeeded || capabilities == null ? probe() : capabilities;
        InsertSettings settings = insertSettings(caps, insertToken);
        for (var e : form.settings().entrySet()) {
            if (caps.supports(e.getKey())) {
                settings.serverSetting(e.getKey(), e.getValue());
            } else if (unknownSettingsWarned.add(e.getKey())) {
                log.warn("ClickHouse {} at {} does not know the setting {} that a client sent with its rows; the rows"
                        + " are inserted without it", caps.version(), config.url(), e.getKey());
            }
        }
        String target = Sql.identifier(database) + "." + Sql.identifier(table);
        com.clickhouse.client.api.DataStreamWriter body;
        String format = form.format();
        List<String> columns = form.columns();
        if (format.equals("JSONCompactEachRow") && !caps.supportsFormat(format)) {
            List<String> names = columns.isEmpty() ? insertableColumns(target) : columns;
            body = new CompactRowsAsObjects(payloads, skip, names);
            format = "JSONEachRow";
        } else {
            body = RowsBody.of(format, payloads, skip);
        }
        List<String> quoted = new java.util.ArrayList<>(columns.size());
        for (String c : columns) {
            quoted.add(Sql.identifier(c));
        }
        try (InsertResponse ignored = client.insert(target, quoted, body, ClickHouseFormat.valueOf(format), settings).get()) {
            reachable = true;
        } catch (Exception e) {
            throw failed(e);
        }
    }

    /** The columns an INSERT without a column list fills, in table order (not MATERIALIZED or ALIAS ones). */
    private List<String> insertableColumns(String target) throws ClickHouseFailure {
        List<String> out = new java.util.ArrayList<>();
        for (String line : select("DESCRIBE TABLE " + target + " FORMAT TabSeparated").split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length >= 1 && !f[0].isEmpty() && (f.length < 3 || !(f[2].equals("MATERIALIZED") || f[2].equals("ALIAS")))) {
                out.add(Sql.unescapeTsv(f[0]));
            }
        }
        return out;
    }

    @Override
    public void close() {
        client.close();
    }

    private InsertSettings insertSettings(ServerCapabilities caps, String insertToken) {
        InsertSettings s = new InsertSettings()
                .serverSetting("date_time_input_format", "best_effort")
                .serverSetting("input_format_skip_unknown_fields", config.skipUnknownFields() ? "1" : "0");
        if (caps.supports("async_insert")) {
            // Explicitly off (26.2+ turns it on by default): the agent batches already, an asynchronous
            // insert merges our block with other clients' rows and skips block deduplication, so a
            // retried batch could no longer be recognised.
            s.serverSetting("async_insert", "0");
        }
        if (caps.supports("insert_deduplicate")) {
            s.serverSetting("insert_deduplicate", "1"); // a profile that turned it off must not break exactly-once
        }
        String distributedSync = caps.distributedSyncSetting();
        if (distributedSync != null) {
            // For a Distributed target, "accepted" must mean stored on the shards, not queued on one node's
            // disk for later forwarding. Ignored by every other engine.
            s.serverSetting(distributedSync, "1");
        }
        if (insertToken != null && caps.supportsInsertDeduplicationToken()) {
            s.serverSetting("insert_deduplication_token", insertToken);
        }
        return s;
    }

    /**
     * Runs a read query and returns its TabSeparated text (used by {@link DedupeProbe}). Same
     * threading contract as {@link #insert}; failures are classified like an insert's.
     */
    @Override
    public String select(String sql) throws ClickHouseFailure {
        try {
            if (probeNeeded) {
                probe();
            }
            String text = queryText(sql);
            reachable = true;
            return text;
        } catch (ClickHouseFailure f) {
            throw f;
        } catch (Exception e) {
            throw failed(e);
        }
    }

    private String queryText(String sql) throws Exception {
        QuerySettings qs = new QuerySettings().setFormat(ClickHouseFormat.TabSeparated);
        try (QueryResponse r = client.query(sql, qs).get()) {
            return new String(r.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Classifies, and schedules a re-probe when the server did not answer or disowned a setting. */
    private ClickHouseFailure failed(Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        ClickHouseFailure f = FailureClassifier.classify(e, config);
        if (f.isTransport()) {
            reachable = false;
            probeNeeded = true;
        } else {
            reachable = true;
            if (ClickHouseCode.UNKNOWN_SETTING.is(f.code())) {
                probeNeeded = true;
            }
        }
        return f;
    }
}
