package org.chspool.replay;

import java.util.List;
import org.chspool.clickhouse.PooledServer;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerCapabilities;
import org.chspool.clickhouse.ServerPool;
import org.chspool.clickhouse.ServerState;

/**
 * Whether ClickHouse answers, as the senders found it: a read-only view of the {@link ServerPool}, where
 * each sender's {@link PooledSink} records every server's outcomes itself.
 * "Reachable" means any server answers; "down since" means every server has stopped answering.
 * Thread-safe.
 */
public final class ServerHealth {
    private final ServerPool pool;

    public ServerHealth(ServerPool pool) {
        this.pool = pool;
    }

    /** The health of the pool the senders' sinks share (one pool: they must all report to it). */
    static ServerHealth of(List<PooledSink> sinks) {
        if (sinks.isEmpty()) {
            throw new IllegalArgumentException("a replayer needs at least one sink");
        }
        ServerPool pool = sinks.get(0).pool();
        for (PooledSink s : sinks) {
            if (s.pool() != pool) {
                throw new IllegalArgumentException("every sender's sink must use the same server pool");
            }
        }
        return new ServerHealth(pool);
    }

    /** Monotonic time since which no server answers, or -1 while any server answers. */
    public long downSinceNanos() {
        return pool.allDownSinceNanos();
    }

    /** Whether any server answers (or has not been tried yet). */
    public boolean reachable() {
        return downSinceNanos() < 0;
    }

    /** What the first probed server (in the configured order) runs; null before any probe. */
    public ServerCapabilities capabilities() {
        return pool.capabilities();
    }

    /** The most recent failure of any server; null before one. */
    public String lastError() {
        return pool.lastError();
    }

    /** Each server's health now, in the configured order. */
    public List<ServerState> servers() {
        return pool.states();
    }

    /** The servers themselves (per-server latency histograms for metrics). */
    public List<PooledServer> pooledServers() {
        return pool.servers();
    }

    /** {@code in_order} or {@code round_robin}. */
    public String loadBalancing() {
        return pool.loadBalancing().configName();
    }
}
