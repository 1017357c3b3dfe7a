package org.chspool.config;

import java.util.Locale;

/**
 * Every setting the agent knows: its environment variable, its command-line flag (derived from the
 * variable: {@code CH_SPOOL_DIR} is {@code --spool-dir}), its default and what it means. One table, so
 * {@code spoold --help}, the docs and the loader cannot drift apart.
 */
public enum Setting {
    NAMESPACE("CH_NAMESPACE", "default", "instance name, shown in logs, status and metric labels"),
    URL("CH_URL", "http://localhost:8123",
            "ClickHouse HTTP URL, or several equivalent servers (replicas of one shard) separated by commas"),
    LOAD_BALANCING("CH_LOAD_BALANCING", "in_order",
            "with several CH_URL servers: in_order (the first healthy one) or round_robin (rotate among healthy ones)"),
    USER("CH_USER", "default", "ClickHouse user"),
    PASS("CH_PASS", "", "ClickHouse password (prefer CH_PASS_FILE); never logged"),
    PASS_FILE("CH_PASS_FILE", "", "file whose first line is the ClickHouse password"),
    DB("CH_DB", "default", "database for rows whose table names none"),
    ALLOWED_DATABASES("CH_ALLOWED_DATABASES", "", "comma-separated databases rows may name (default: just CH_DB)"),
    SPOOL_DIR("CH_SPOOL_DIR", "./spool", "directory of the spool file (spool.db) and the default sockets"),
    SYNC("CH_SYNC", "NORMAL", "SQLite synchronous: NORMAL (survives a process crash) or FULL (also power loss)"),
    SPOOL_MAX_BYTES("CH_SPOOL_MAX_BYTES", "2GiB", "cap on queued payload bytes; beyond it puts get spool_full"),
    QUARANTINE_MAX_BYTES("CH_QUARANTINE_MAX_BYTES", "",
            "cap on quarantined payload bytes (default: a quarter of CH_SPOOL_MAX_BYTES); at the cap rows ClickHouse"
                    + " rejects stay queued (DEGRADED) until quarantined rows are purged or retried"),
    PUT_TIMEOUT_MS("CH_PUT_TIMEOUT_MS", "100", "longest a put waits to be taken by the writer before busy"),
    ADMISSION_QUEUE_ROWS("CH_ADMISSION_QUEUE_ROWS", "100000", "rows waiting for the writer before puts get busy"),
    ADMISSION_QUEUE_BYTES("CH_ADMISSION_QUEUE_BYTES", "64MiB", "row bytes waiting for the writer before puts get busy"),
    MAX_ROW_BYTES("CH_MAX_ROW_BYTES", "1MiB", "largest accepted row (compact JSON)"),
    COMMIT_MAX_ROWS("CH_COMMIT_MAX_ROWS", "20000", "most rows in one spool transaction (group commit)"),
    COMMIT_MAX_BYTES("CH_COMMIT_MAX_BYTES", "16MiB", "most payload bytes in one spool transaction"),
    BATCH_SIZE("CH_BATCH_SIZE", "1000", "rows per ClickHouse insert; a table flushes when it has this many"),
    BATCH_MAX_ROWS("CH_BATCH_MAX_ROWS", "50000", "most rows per ClickHouse insert when a table has a backlog"),
    BATCH_MAX_BYTES("CH_BATCH_MAX_BYTES", "16MiB", "most payload bytes per ClickHouse insert"),
    FLUSH_INTERVAL_S("CH_FLUSH_INTERVAL_S", "1", "a table flushes when its oldest row is this old (seconds)"),
    MAINTENANCE_INTERVAL_S("CH_MAINTENANCE_INTERVAL_S", "300", "seconds between spool maintenance runs"),
    WAL_TRUNCATE_BYTES("CH_WAL_TRUNCATE_BYTES", "64MiB", "WAL size that triggers wal_checkpoint(TRUNCATE)"),
    VACUUM_MIN_BYTES("CH_VACUUM_MIN_BYTES", "512MiB", "spool file size from which an empty spool is vacuumed"),
    VACUUM_MIN_FREE_RATIO("CH_VACUUM_MIN_FREE_RATIO", "1.25", "VACUUM needs free disk >= file size x this + min free"),
    VACUUM_MIN_FREE_BYTES("CH_VACUUM_MIN_FREE_BYTES", "128MiB", "VACUUM needs this much free disk on top"),
    SOCKET("CH_SOCKET", "", "Unix socket for the put protocol (default: <spool dir>/put.sock; 'none' disables)"),
    SOCKET_GROUP("CH_SOCKET_GROUP", "", "group owning the Unix socket (mode 0660)"),
    LISTEN("CH_LISTEN", "", "TCP host:port for the put protocol, e.g. 127.0.0.1:7123 (needs CH_AUTH_TOKEN); empty disables"),
    AUTH_TOKEN("CH_AUTH_TOKEN", "",
            "token every TCP client must present (put: first line, HTTP: password, admin: bearer); never logged"),
    INSECURE_LOOPBACK("CH_INSECURE_LOOPBACK", "false",
            "1: allow loopback CH_LISTEN / CH_HTTP_LISTEN without CH_AUTH_TOKEN (any local user may write; status DEGRADED)"),
    MAX_LINE_BYTES("CH_MAX_LINE_BYTES", "8MiB", "longest request line of the put protocol"),
    ADMIN_LISTEN("CH_ADMIN_LISTEN", "127.0.0.1:7124",
            "admin HTTP host:port (loopback): /status /metrics /healthz open, the rest needs CH_AUTH_TOKEN; empty disables"),
    HTTP_LISTEN("CH_HTTP_LISTEN", "",
            "ClickHouse-compatible insert endpoint host:port, e.g. 127.0.0.1:8124 (needs CH_AUTH_TOKEN); empty disables"),
    HTTP_MAX_BODY_BYTES("CH_HTTP_MAX_BODY_BYTES", "1GiB", "largest (decompressed) body of one HTTP insert request"),
    REPLAY_THREADS("CH_REPLAY_THREADS", "2", "parallel ClickHouse inserts (each table has at most one in flight)"),
    BACKOFF_INITIAL_MS("CH_BACKOFF_INITIAL_MS", "500", "first retry delay of a failing table"),
    BACKOFF_MAX_MS("CH_BACKOFF_MAX_MS", "60000", "cap of a failing table's retry delay"),
    MAX_ATTEMPTS("CH_MAX_ATTEMPTS", "20", "retryable failures after which a row is quarantined"),
    MAX_AGE_S("CH_MAX_AGE_S", "86400", "age (seconds) after which an undeliverable row is quarantined"),
    DEDUPE("CH_DEDUPE", "trade_events:trade_id,ts", "dedupe keys per table: table:col,col;table2:col"),
    SHUTDOWN_GRACE_S("CH_SHUTDOWN_GRACE_S", "10", "seconds to keep delivering after SIGTERM"),
    CONNECT_TIMEOUT_MS("CH_CONNECT_TIMEOUT_MS", "5000", "ClickHouse connect timeout"),
    SOCKET_TIMEOUT_MS("CH_SOCKET_TIMEOUT_MS", "30000", "ClickHouse socket (read) timeout"),
    COMPRESS("CH_COMPRESS", "true", "compress insert bodies when the server supports it"),
    SKIP_UNKNOWN_FIELDS("CH_SKIP_UNKNOWN_FIELDS", "true", "send input_format_skip_unknown_fields=1"),
    DOWN_AFTER_S("CH_DOWN_AFTER_S", "60", "seconds ClickHouse may be unreachable before health is DOWN"),
    ALERT_AGE_S("CH_ALERT_AGE_S", "300", "oldest-row age (seconds) at which health turns DEGRADED");

    private final String env;
    private final String defaultValue;
    private final String description;

    Setting(String env, String defaultValue, String description) {
        this.env = env;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String env() {
        return env;
    }

    /** The command-line flag, e.g. {@code --spool-dir}. */
    public String flag() {
        return "--" + env.substring(3).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    public boolean isSecret() {
        return this == PASS || this == AUTH_TOKEN;
    }
}
