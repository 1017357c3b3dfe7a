package org.chspool.torture;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.chspool.client.SpoolClient;
import org.chspool.client.SpoolException;

/**
 * N client threads streaming batches of unique rows to the agent's Unix socket, alternating between the
 * plain table {@code events}, the dedupe table {@code trade_events} and the replicated table {@code revents}, recording every outcome in the
 * {@link Ledger}. A key is {@code client * 10^12 + sequence}, so it is unique across the run.
 * {@link #pointAt} switches every client to another agent (socket); while the agent is down a client
 * records its in-flight rows as unknown and tries again after a short pause. Thread-safe controls.
 */
final class LoadClients implements AutoCloseable {
    static final String EVENTS = "events";
    static final String TRADES = "trade_events";
    /** A ReplicatedMergeTree table without dedupe keys: exactly-once by frozen batches alone. */
    static final String REPLICATED = "revents";

    private final Ledger ledger;
    private final int batchRows;
    private final Duration pace;
    private final AtomicReference<Path> socket = new AtomicReference<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean paused = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    LoadClients(Ledger ledger, int clients, int batchRows, Duration pace, Path socket) {
        this.ledger = ledger;
        this.batchRows = batchRows;
        this.pace = pace;
        this.socket.set(socket);
        for (int c = 1; c <= clients; c++) {
            int client = c;
            Thread t = new Thread(() -> stream(client), "torture-client-" + c);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    void pointAt(Path newSocket) {
        socket.set(newSocket);
    }

    /** Stops sending new batches (a batch in flight finishes); {@link #resume()} continues. */
    void pause() {
        paused.set(true);
    }

    void resume() {
        paused.set(false);
    }

    long rowsSent() {
        return sent.get();
    }

    private void stream(int client) {
        long seq = 0;
        Path current = null;
        SpoolClient c = null;
        try {
            while (running.get()) {
                if (paused.get()) {
                    Thread.sleep(20); // idle load generator; nothing waits on this
                    continue;
                }
                Path s = socket.get();
                if (c == null || !s.equals(current)) {
                    if (c != null) {
                        c.close();
                    }
                    current = s;
                    c = SpoolClient.unix(s).connectTimeout(Duration.ofSeconds(2)).ackTimeout(Duration.ofSeconds(20)).build();
                }
                long turn = (seq / batchRows) % 3;
                String table = turn == 0 ? EVENTS : turn == 1 ? TRADES : REPLICATED;
                long[] keys = new long[batchRows];
                List<String> rows = new ArrayList<>(batchRows);
                for (int i = 0; i < batchRows; i++) {
                    long k = client * 1_000_000_000_000L + seq++;
                    keys[i] = k;
                    rows.add(TRADES.equals(table)
                            ? "{\"trade_id\":\"" + k + "\",\"ts\":" + k + ",\"px\":" + (k % 1000) / 8.0 + "}"
                            : "{\"k\":" + k + ",\"c\":" + client + ",\"p\":\"" + "x".repeat((int) (k % 50)) + "\"}");
                }
                sent.addAndGet(batchRows);
                try {
                    c.putAll(table, rows);
                    ledger.acked(table, keys);
                    Thread.sleep(pace.toMillis());
                } catch (SpoolException e) {
                    if (SpoolException.CONNECTION.equals(e.code()) || SpoolException.TIMEOUT.equals(e.code())
                            || SpoolException.PROTOCOL.equals(e.code())) {
                        ledger.unknown(table, keys);
                    } else {
                        ledger.rejected(table, keys, e.code());
                    }
                    Thread.sleep(Math.max(50, e.retryAfterMs())); // the agent is down or pushing back
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (c != null) {
                c.close();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
        }
    }
}
