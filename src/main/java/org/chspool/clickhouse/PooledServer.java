package org.chspool.clickhouse;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.chspool.util.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured server of a {@link ServerPool} and what the agent has learned about it: failures in
 * a row, until when it is skipped, since when it has not answered, its last error, its capabilities
 * (each server probes its own: replicas may run different versions during an upgrade), insert counts
 * and latencies.
 *
 * <p><b>Health rules.</b> A failure where the server did not answer ({@link ClickHouseFailure#isTransport()})
 * or answered a RETRYABLE error makes it <i>unavailable</i> for {@link #UNAVAILABLE_INITIAL}, doubling
 * with each further failure in a row up to {@link #UNAVAILABLE_MAX}; the pool skips it meanwhile, and
 * the first request after that is its probe (only one sender gets it: choosing it re-arms the period
 * until the outcome is known). Any other outcome — success, or a PERMANENT error about the data —
 * means the server works: failures reset, it is available at once. Only outcomes without an answer
 * start or extend {@link ServerState#downForNanos() down-since}; any answer ends it.
 *
 * <p><b>Threading.</b> The health fields are guarded by the pool's lock, which every method here that
 * touches them takes (so {@link ServerPool} can choose and claim under the same lock); the counters and
 * the latency histogram are lock-free. Public methods may be called from any thread.
 */
public final class PooledServer {
    /** How long a server is skipped after its first failure in a row. */
    public static final Duration UNAVAILABLE_INITIAL = Duration.ofSeconds(1);
    /** The longest it is skipped, however many failures in a row. */
    public static final Duration UNAVAILABLE_MAX = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(PooledServer.class);

    private final Object lock;
    private final int index;
    private final String url;
    private final LongAdder insertsOk = new LongAdder();
    private final LongAdder insertsFailed = new LongAdder();
    private final Histogram insertSeconds = Histogram.latencySeconds();

    // Guarded by lock.
    private boolean contacted;
    private int consecutiveFailures;
    private long unavailableUntilNanos;
    private long downSinceNanos = -1;
    private String lastError;
    private long lastErrorAtNanos;
    private ServerCapabilities capabilities;

    PooledServer(Object lock, int index, String url) {
        this.lock = lock;
        this.index = index;
        this.url = url;
    }

    /** The URL as configured, e.g. {@code http://ch-1:8123}. */
    public String url() {
        return url;
    }

    /** Position in the configured list, from 0. */
    public int index() {
        return index;
    }

    /** Latencies of the inserts sent to this server (successful or not), in seconds. */
    public Histogram insertSeconds() {
        return insertSeconds;
    }

    /** A consistent snapshot of the health, durations measured at {@code nowNanos} on the pool's clock. */
    ServerState state(long nowNanos) {
        synchronized (lock) {
            ServerState.Condition c = downSinceNanos >= 0 ? ServerState.Condition.DOWN
                    : consecutiveFailures > 0 ? ServerState.Condition.FAILING
                    : contacted ? ServerState.Condition.UP : ServerState.Condition.UNKNOWN;
            return new ServerState(url, c, downSinceNanos < 0 ? -1 : Math.max(0, nowNanos - downSinceNanos),
                    availableAt(nowNanos) ? 0 : unavailableUntilNanos - nowNanos, consecutiveFailures, lastError,
                    capabilities, insertsOk.sum(), insertsFailed.sum(), insertSeconds.sum());
        }
    }

    /** What its last successful probe learned; null before one. */
    public ServerCapabilities capabilities() {
        synchronized (lock) {
            return capabilities;
        }
    }

    boolean availableAt(long nowNanos) {
        synchronized (lock) {
            return consecutiveFailures == 0 || nowNanos - unavailableUntilNanos >= 0;
        }
    }

    long unavailableUntilNanos() {
        synchronized (lock) {
            return unavailableUntilNanos;
        }
    }

    long downSinceNanos() {
        synchronized (lock) {
            return downSinceNanos;
        }
    }

    long lastErrorAtNanos() {
        synchronized (lock) {
            return lastError == null ? Long.MIN_VALUE : lastErrorAtNanos;
        }
    }

    String lastError() {
        synchronized (lock) {
            return lastError;
        }
    }

    /** Whether it failed last time and its pause is over: due for a probe. */
    boolean dueForProbeAt(long nowNanos) {
        synchronized (lock) {
            return consecutiveFailures > 0 && availableAt(nowNanos);
        }
    }

    /**
     * Called when the pool hands this server out: if it is being probed after failures, it stays skipped
     * by the others for one more period, so that only one sender waits on a server that may hang.
     */
    void claimProbe(long nowNanos) {
        synchronized (lock) {
            if (consecutiveFailures > 0) {
                unavailableUntilNanos = nowNanos + unavailableNanos(consecutiveFailures);
            }
        }
    }

    /** The server answered and the request succeeded (or failed for its data): it is healthy. */
    void answered(ServerCapabilities caps, long nowNanos) {
        int failures;
        long downFor;
        synchronized (lock) {
            failures = consecutiveFailures;
            downFor = downSinceNanos < 0 ? -1 : nowNanos - downSinceNanos;
            contacted = true;
            consecutiveFailures = 0;
            unavailableUntilNanos = 0;
            downSinceNanos = -1;
            if (caps != null) {
                capabilities = caps;
            }
        }
        if (failures > 0) {
            log.info("ClickHouse server {} is back after {} failure(s){}", url, failures,
                    downFor < 0 ? "" : ", unreachable for " + Duration.ofNanos(downFor).toMillis() + " ms");
        }
    }

    /**
     * Applies a failure of a request to this server: a PERMANENT answer counts as an answer (see the
     * class comment); anything else marks the server failed.
     */
    void failed(ClickHouseFailure f, long nowNanos) {
        if (!f.isTransport() && !f.isRetryable()) {
            answered(null, nowNanos);
            return;
        }
        int failures;
        long skipNanos;
        synchronized (lock) {
            contacted = true;
            failures = ++consecutiveFailures;
            skipNanos = unavailableNanos(failures);
            unavailableUntilNanos = nowNanos + skipNanos;
            if (!f.isTransport()) {
                downSinceNanos = -1;
            } else if (downSinceNanos < 0) {
                downSinceNanos = nowNanos;
            }
            lastError = f.summary();
            lastErrorAtNanos = nowNanos;
        }
        if (failures == 1) {
            log.warn("ClickHouse server {} failed ({}); skipping it for {} ms, longer while it keeps failing: {}",
                    url, f.isTransport() ? "no answer" : "retryable error", Duration.ofNanos(skipNanos).toMillis(),
                    f.summary());
        }
    }

    /** Counts one insert sent to this server and how long it took. */
    void countInsert(boolean ok, long nanos) {
        (ok ? insertsOk : insertsFailed).increment();
        insertSeconds.observe(Math.max(0, nanos) / 1e9);
    }

    /** How long the server is skipped after {@code failures} (>= 1) failures in a row. */
    static long unavailableNanos(int failures) {
        int shift = Math.min(Math.max(failures - 1, 0), 20);
        long initial = UNAVAILABLE_INITIAL.toNanos();
        long max = UNAVAILABLE_MAX.toNanos();
        return initial > (max >> shift) ? max : Math.min(max, initial << shift);
    }

    @Override
    public String toString() {
        return url;
    }
}
