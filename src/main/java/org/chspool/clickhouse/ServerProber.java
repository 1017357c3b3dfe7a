package org.chspool.clickhouse;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.chspool.util.Threads;

/**
 * Probes servers that failed and that no insert would choose now — a standby under {@code in_order}
 * while the first server is healthy, or every server while nothing is queued — once their pause is over,
 * so their state in status and metrics follows reality (without it a standby that came back would show
 * "down" until the next failover). Healthy servers are never probed: an idle agent with healthy servers
 * sends nothing.
 *
 * <p>Threading: its own daemon thread {@code clickhouse-prober} with its own connections (a
 * {@link PooledSink}); the pool claims a server for one prober or sender at a time, so a hung server
 * holds up nobody else. {@link #close()} stops it and waits for it.
 */
public final class ServerProber implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerProber.class);

    private final ServerPool pool;
    private final PooledSink sink;
    private final Duration every;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;

    public ServerProber(ServerPool pool, PooledSink sink, Duration every) {
        this.pool = pool;
        this.sink = sink;
        this.every = every;
        this.thread = Threads.daemon("clickhouse-prober", this::run);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        try {
            while (!stop.await(every.toMillis(), TimeUnit.MILLISECONDS)) {
                try {
                    probeDue();
                } catch (RuntimeException e) {
                    log.error("clickhouse-prober: probe pass failed; trying again in {} ms", every.toMillis(), e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Probes every failed server whose pause is over (each claimed first). Package-private for tests. */
    void probeDue() {
        for (PooledServer s; (s = pool.claimProbeOfIdleServer(null)) != null; ) {
            if (sink.probe(s)) {
                log.info("ClickHouse server {} answers again", s);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        if (thread.isAlive()) {
            thread.join(10_000);
        }
        sink.close();
    }
}
