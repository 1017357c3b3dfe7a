package org.chspool.clickhouse;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A scripted stand-in for one server's {@link ClickHouseSink}, for unit tests of the pool's policy:
 * it records what it was sent and fails with {@link #failure} while that is set. Single-threaded, like
 * the sink it replaces.
 */
public final class FakeServerSink implements SingleServerSink {
    final String url;
    final List<String> requests = new ArrayList<>();
    final List<List<byte[]>> payloads = new ArrayList<>();
    final List<String> tokens = new ArrayList<>();
    /** Thrown by every request while set. */
    public ClickHouseFailure failure;
    /** Runs inside every request, before its outcome (to advance a clock, or to nest another call). */
    Runnable during = () -> { };
    ServerCapabilities capabilities;
    boolean closed;

    public FakeServerSink(String url, String version) {
        this.url = url;
        this.capabilities = ServerCapabilities.of(version, Set.of());
    }

    public static ClickHouseFailure noAnswer() {
        return new ClickHouseFailure(ClickHouseFailure.Kind.RETRYABLE, -1, -1, "connection refused", "ConnectException: Connection refused", null);
    }

    public static ClickHouseFailure http503() {
        return new ClickHouseFailure(ClickHouseFailure.Kind.RETRYABLE, -1, 503, "Service Unavailable", null);
    }

    public static ClickHouseFailure badData() {
        return new ClickHouseFailure(ClickHouseFailure.Kind.PERMANENT, 27, 400,
                "Code: 27, DB::Exception: Cannot parse input: expected { before: x", null);
    }

    /** Every request so far, in order: {@code probe}, {@code insert db.table} or {@code select}. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** The insert token of every insert attempted so far, in order. */
    public List<String> tokens() {
        return List.copyOf(tokens);
    }

    /** The rows of every insert attempted so far, in order. */
    public List<List<byte[]>> inserts() {
        return List.copyOf(payloads);
    }

    @Override
    public ServerCapabilities probe() throws ClickHouseFailure {
        return respond("probe");
    }

    @Override
    public void insert(String database, String table, InsertForm form, List<byte[]> rows, int skip, String insertToken)
            throws ClickHouseFailure {
        payloads.add(rows);
        tokens.add(insertToken);
        respond("insert " + database + "." + table);
    }

    @Override
    public String select(String sql) throws ClickHouseFailure {
        respond("select");
        return "found\n";
    }

    private ServerCapabilities respond(String what) throws ClickHouseFailure {
        requests.add(what);
        during.run();
        if (failure != null) {
            throw failure;
        }
        return capabilities;
    }

    @Override
    public ServerCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public void close() {
        closed = true;
    }
}
