package org.chspool.clickhouse;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sender's way to the servers of a {@link ServerPool}: a connection ({@link SingleServerSink}) per
 * server, opened on first use, and failover between them.
 *
 * <p><b>Failover.</b> Each call ({@link #insert}, {@link #select}) goes to the server the pool chooses.
 * If that server did not answer ({@link ClickHouseFailure#isTransport()}) or answered a RETRYABLE error, it
 * is marked failed and the call moves on at once to the next available server, with the same payloads
 * and the same insert token: the same block, which ClickHouse replicas recognise if the first server
 * committed it after all. Each server is tried at most once per call; when all tried servers failed,
 * the last failure is thrown. A PERMANENT failure (the data or the target is wrong) is thrown as it is,
 * without failover, and does not count against the server's health.
 *
 * <p>Every insert is counted and timed on the server that got it. Each server's own connection probes
 * that server's capabilities, so an insert never carries a setting its receiving server lacks.
 *
 * <p><b>Threading.</b> One thread at a time (its sender's), like the connections it owns; the pool it
 * reports to is thread-safe.
 */
public final class PooledSink implements QueryRunner, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PooledSink.class);

    private final ServerPool pool;
    private final Function<PooledServer, ? extends SingleServerSink> connect;
    private final SingleServerSink[] sinks;
    private PooledServer lastServer;

    /**
     * @param connect opens the connection to one server; called at most once per server, on first use
     */
    public PooledSink(ServerPool pool, Function<PooledServer, ? extends SingleServerSink> connect) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.connect = Objects.requireNonNull(connect, "connect");
        this.sinks = new SingleServerSink[pool.servers().size()];
    }

    /** A sink with a {@link ClickHouseSink} per server, each configured like {@code template} but for its URL. */
    public static PooledSink open(ServerPool pool, ClickHouseSinkConfig template) {
        return new PooledSink(pool, server -> new ClickHouseSink(template.withUrl(server.url())));
    }

    public ServerPool pool() {
        return pool;
    }

    /**
     * Inserts the rows in one request to one server, failing over as the class comment says. An empty
     * list does nothing.
     *
     * @param insertToken sent as {@code insert_deduplication_token} by servers that know it; may be null
     * @throws ClickHouseFailure the PERMANENT failure, or the last server's failure when every server tried failed
     */
    public void insert(String database, String table, List<byte[]> payloads, String insertToken) throws ClickHouseFailure {
        insert(database, table, InsertForm.JSON_EACH_ROW, payloads, 0, insertToken);
    }

    /**
     * Inserts rows of one form (format, column list, settings) in one request, failing over like
     * {@link #insert(String, String, List, String)}.
     *
     * @param skip bytes at the head of every payload that are not the row's (the spool's tag)
     */
    public void insert(String database, String table, InsertForm form, List<byte[]> payloads, int skip,
                       String insertToken) throws ClickHouseFailure {
        if (payloads.isEmpty()) {
            return;
        }
        call(sink -> {
            sink.insert(database, table, form, payloads, skip, insertToken);
            return null;
        }, true);
    }

    /** Runs a read query (the dedupe probe), failing over like {@link #insert}. */
    @Override
    public String select(String sql) throws ClickHouseFailure {
        return call(sink -> sink.select(sql), false);
    }

    /**
     * Whether a server answers: the capability probe ({@link SingleServerSink#probe()}), sent to the server
     * an insert would get and failing over like one, its outcome recorded in the pool. A few small
     * queries: what the replayer asks before it reads a large batch again after no server answered. The
     * probe's capabilities serve the next insert, which therefore does not probe again.
     *
     * @throws ClickHouseFailure the last server's failure when none answered, or an answer that was a
     *     PERMANENT error
     */
    public void reach() throws ClickHouseFailure {
        call(sink -> sink.probe(), false);
    }

    /**
     * Probes every server once, in order, recording each outcome in the pool (the agent does this at
     * start, so status shows every server's version and reachability before the first insert). Never
     * throws: failures are recorded.
     */
    public void probeAll() {
        for (PooledServer server : pool.servers()) {
            lastServer = server;
            try {
                ServerCapabilities caps = sinkFor(server).probe();
                server.answered(caps, pool.nanoTime());
            } catch (ClickHouseFailure f) {
                server.failed(f, pool.nanoTime());
                if (!failsOver(f)) {
                    log.warn("ClickHouse server {} refused the capability probe: {}", server, f.summary());
                }
            }
        }
    }

    /** Probes one server and records the outcome in the pool; true when it answered. Never throws. */
    public boolean probe(PooledServer server) {
        try {
            server.answered(sinkFor(server).probe(), pool.nanoTime());
            return true;
        } catch (ClickHouseFailure f) {
            server.failed(f, pool.nanoTime());
            return false;
        }
    }

    /** The server that served (or last failed) the latest call; null before the first. */
    public PooledServer lastServer() {
        return lastServer;
    }

    /**
     * Capabilities of the server that served the latest call (what that insert could use); null before
     * the first call or while that server was never probed successfully.
     */
    public ServerCapabilities capabilities() {
        PooledServer s = lastServer;
        return s == null || sinks[s.index()] == null ? null : sinks[s.index()].capabilities();
    }

    /** Closes every connection this sink opened. */
    @Override
    public void close() {
        for (int i = 0; i < sinks.length; i++) {
            if (sinks[i] != null) {
                sinks[i].close();
                sinks[i] = null;
            }
        }
    }

    /** One request to one server. */
    @FunctionalInterface
    private interface Request<T> {
        T sendTo(SingleServerSink sink) throws ClickHouseFailure;
    }

    private <T> T call(Request<T> request, boolean isInsert) throws ClickHouseFailure {
        List<PooledServer> tried = new ArrayList<>(sinks.length);
        ClickHouseFailure last = null;
        for (PooledServer server; (server = pool.choose(tried)) != null; ) {
            if (last != null) {
                log.debug("failing over from {} to {} after: {}", lastServer, server, last.summary());
            }
            tried.add(server);
            lastServer = server;
            SingleServerSink sink = sinkFor(server);
            long t0 = pool.nanoTime();
            try {
                T result = request.sendTo(sink);
                long t1 = pool.nanoTime();
                if (isInsert) {
                    server.countInsert(true, t1 - t0);
                }
                server.answered(sink.capabilities(), t1);
                return result;
            } catch (ClickHouseFailure f) {
                long t1 = pool.nanoTime();
                if (isInsert) {
                    server.countInsert(false, t1 - t0);
                }
                server.failed(f, t1);
                if (!failsOver(f)) {
                    throw f;
                }
                last = f;
            }
        }
        throw last;
    }

    /** Whether another server may succeed where this one failed: it did not answer, or answered a retryable error. */
    static boolean failsOver(ClickHouseFailure f) {
        return f.isTransport() || f.isRetryable();
    }

    private SingleServerSink sinkFor(PooledServer server) {
        SingleServerSink s = sinks[server.index()];
        if (s == null) {
            s = Objects.requireNonNull(connect.apply(server), "connect returned null");
            sinks[server.index()] = s;
        }
        return s;
    }
}
