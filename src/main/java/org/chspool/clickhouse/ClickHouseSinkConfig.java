package org.chspool.clickhouse;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how {@link ClickHouseSink} talks to ClickHouse. Immutable; the agent maps its own
 * configuration into this.
 *
 * <p>The password never leaves this record in text form: {@link #toString()} masks it, and the
 * sink keeps it out of logs and {@link ClickHouseFailure} messages.
 *
 * @param url http(s) base URL without credentials, e.g. {@code http://127.0.0.1:8123}
 * @param user ClickHouse user ({@code default} when blank)
 * @param password its password (empty for none; never null)
 * @param database database used when a statement names none
 * @param connectTimeout TCP connect timeout
 * @param socketTimeout how long to wait for bytes from the server before giving up (an insert
 *     that takes longer fails as RETRYABLE, possibly after the server committed it)
 * @param compressRequests compress request bodies (ClickHouse native LZ4 framing, which every
 *     server version accepts; see {@link ClickHouseSink})
 * @param skipUnknownFields send {@code input_format_skip_unknown_fields=1}: JSON fields without a
 *     column are dropped instead of failing the batch
 */
public record ClickHouseSinkConfig(
        String url,
        String user,
        String password,
        String database,
        Duration connectTimeout,
        Duration socketTimeout,
        boolean compressRequests,
        boolean skipUnknownFields) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(60);

    public ClickHouseSinkConfig {
        Objects.requireNonNull(url, "url");
        URI uri = URI.create(url);
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("url must be http(s)://host[:port], got scheme "
                    + uri.getScheme() + " host " + uri.getHost());
        }
        if (uri.getUserInfo() != null) {
            throw new IllegalArgumentException("url must not carry credentials; use user/password");
        }
        user = user == null || user.isBlank() ? "default" : user;
        password = password == null ? "" : password;
        database = database == null || database.isBlank() ? "default" : database;
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(socketTimeout, "socketTimeout");
    }

    /** Defaults: database {@code default}, 5 s connect, 60 s socket, compression on, skip unknown fields on. */
    public static ClickHouseSinkConfig of(String url, String user, String password) {
        return new ClickHouseSinkConfig(url, user, password, "default",
                DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT, true, true);
    }

    /** The same settings for another server (each server of a {@link ServerPool} gets its own sink). */
    public ClickHouseSinkConfig withUrl(String otherUrl) {
        return new ClickHouseSinkConfig(otherUrl, user, password, database, connectTimeout, socketTimeout, compressRequests, skipUnknownFields);
    }

    public ClickHouseSinkConfig withTimeouts(Duration connect, Duration socket) {
        return new ClickHouseSinkConfig(url, user, password, database, connect, socket, compressRequests, skipUnknownFields);
    }

    public ClickHouseSinkConfig withCompressRequests(boolean compress) {
        return new ClickHouseSinkConfig(url, user, password, database, connectTimeout, socketTimeout, compress, skipUnknownFields);
    }

    public ClickHouseSinkConfig withSkipUnknownFields(boolean skip) {
        return new ClickHouseSinkConfig(url, user, password, database, connectTimeout, socketTimeout, compressRequests, skip);
    }

    @Override
    public String toString() {
        return "ClickHouseSinkConfig[url=" + url + ", user=" + user
                + ", password=" + (password.isEmpty() ? "(none)" : "****")
                + ", database=" + database + ", connectTimeout=" + connectTimeout
                + ", socketTimeout=" + socketTimeout + ", compressRequests=" + compressRequests
                + ", skipUnknownFields=" + skipUnknownFields + "]";
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, got " + d);
        }
    }
}
