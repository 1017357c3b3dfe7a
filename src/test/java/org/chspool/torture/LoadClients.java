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
 * plain table {@code events}, the dedupe table {@code trade_events} and the replicated table
 * {@code revents} (or the tables and row shape
 * given to {@link #LoadClients(Ledger, int, int, Duration, Path, List, RowShape)}), recording every
 * outcome in the {@link Ledger}. A key is {@code client * 10^12 + sequence}, so it is unique across the run.
 * {@link #pointAt} switches every client to another agent (socket); while the agent is down a client
 * records its in-flight rows as unknown and tries again after a short pause. Thread-safe controls.
 */
public final class LoadClients implements AutoCloseable {
    public static final String EVENTS = "events";
    public static final String TRADES = "trade_events";
    /** A ReplicatedMergeTree table without dedupe keys: exactly-once by frozen batches alone. */
    public static final String REPLICATED = "revents";

    /** The JSON row a client sends for {@code key} into {@code table}. */
    @FunctionalInterface
    public interface RowShape {
        String row(String table, int client, long key);
    }

    /** The torture run's rows: trades for {@link #TRADES}, {@code {k, c, p}} events for any other table. */
    public static final RowShape TORTURE_ROWS = (table, client, k) -> TRADES.equals(table)
            ? "{\"trade_id\":\"" + k + "\",\"ts\":" + k + ",\"px\":" + (k % 1000) / 8.0 + "}"
            : eventRow(client, k);

    /** {@code {"k":key,"c":client,"p":"xx..."}}: for a table {@code (k UInt64, c UInt32, p String)}. */
    public static String eventRow(int client, long k) {
        return "{\"k\":" + k + ",\"c\":" + client + ",\"p\":\"" + "x".repeat((int) (k % 50)) + "\"}";
    }

    private final Ledger ledger;
    private final int batchRows;
    private final Duration pace;
    private final List<String> tables;
    private final RowShape shape;
    private final AtomicReference<Path> socket = new AtomicReference<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean paused = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    LoadClients(Ledger ledger, int clients, int batchRows, Duration pace, Path socket) {
        this(ledger, clients, batchRows, pace, socket, List.of(EVENTS, TRADES, REPLICATED), TORTURE_ROWS);
    }

    /**
     * Clients that send batch after batch of {@code batchRows} rows, each batch into the next of
     * {@code tables} in turn, pausing {@code pace} after each acknowledged batch.
     */
    public LoadClients(Ledger ledger, int clients, int batchRows, Duration pace, Path socket, List<String> tables,
                       RowShape shape) {
        this(ledger, 1, clients, batchRows, pace, socket, tables, shape);
    }

    /** As above, with clients numbered from {@code firstClient} (their keys never overlap other clients'). */
    public LoadClients(Ledger ledger, int firstClient, int clients, int batchRows, Duration pace, Path socket,
                       List<String> tables, RowShape shape) {
        this.ledger = ledger;
        this.batchRows = batchRows;
        this.pace = pace;
        this.tables = List.copyOf(tables);
        this.shape = shape;
        this.socket.set(socket);
        for (int c = firstClient; c < firstClient + clients; c++) {
            int client = c;
            Thread t = new Thread(() -> stream(client), "torture-client-" + c);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    public void pointAt(Path newSocket) {
        socket.set(newSocket);
    }

    /** Stops sending new batches (a batch in flight finishes); {@link #resume()} continues. */
    public void pause() {
        paused.set(true);
    }

    public void resume() {
        paused.set(false);
    }

    public long rowsSent() {
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
                String table = tables.get((int) ((seq / batchRows) % tables.size()));
                long[] keys = new long[batchRows];
                List<String> rows = new ArrayList<>(batchRows);
                for (int i = 0; i < batchRows; i++) {
                    long k = client * 1_000_000_000_000L + seq++;
                    keys[i] = k;
                    rows.add(shape.row(table, client, k));
                }
                sent.addAndGet(batchRows);
                try {
                    c.putAll(table, rows);
                    ledger.acked(table, keys);
                    Thread.sleep(pace.toMillis()); // pacing of the load
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
