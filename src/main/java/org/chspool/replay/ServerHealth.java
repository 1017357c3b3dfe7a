package org.chspool.replay;

import org.chspool.clickhouse.InsertFailure;

/**
 * Whether ClickHouse answers, as seen by the senders: since when it has been unreachable (transport
 * failures only; an answered error means the server is up) and the last error. Thread-safe.
 */
public final class ServerHealth {
    private volatile long downSinceNanos = -1;
    private volatile String lastError;
    private volatile org.chspool.clickhouse.ServerCapabilities capabilities;

    void succeeded(org.chspool.clickhouse.ServerCapabilities caps) {
        if (caps != null) {
            capabilities = caps;
        }
        downSinceNanos = -1;
    }

    void failed(InsertFailure f, long nowNanos) {
        lastError = f.summary();
        if (f.isTransport()) {
            if (downSinceNanos < 0) {
                downSinceNanos = nowNanos;
            }
        } else {
            downSinceNanos = -1;
        }
    }

    /** Monotonic time since which no request got an answer, or -1 when the server answers. */
    public long downSinceNanos() {
        return downSinceNanos;
    }

    public boolean reachable() {
        return downSinceNanos < 0;
    }

    /** What the latest probe of a sender learned about the server; null before the first delivery. */
    public org.chspool.clickhouse.ServerCapabilities capabilities() {
        return capabilities;
    }

    public String lastError() {
        return lastError;
    }
}
