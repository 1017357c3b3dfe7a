package org.chspool.client;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Java client of the chspool put protocol v1 (see {@code docs/protocol.md}). A put returns (or its future
 * completes) only when the agent has committed the rows to its spool; otherwise it fails with a
 * {@link SpoolException} whose {@link SpoolException#code() code} says why and whether a retry can help.
 *
 * <pre>{@code
 * try (SpoolClient c = SpoolClient.unix(Path.of("/var/lib/chspool/put.sock")).build()) {
 *     c.put("trade_events", "{\"trade_id\":\"T1\",\"ts\":1700000000000000,\"px\":1.5}");
 * }
 * }</pre>
 *
 * <p>Threading: thread-safe. All calls share one pipelined connection: many {@link #putAsync} requests
 * may be in flight, their answers are matched in order. A call blocks while the agent pushes back (its
 * socket is full). Futures complete on the client's reader thread: keep dependent actions short. After a
 * broken connection (agent restarted) the next call reconnects; the calls in flight when it broke fail
 * with {@link SpoolException#CONNECTION}, meaning "not acknowledged" (the rows may or may not be spooled;
 * resending may duplicate them, which the agent's dedupe keys are for).
 */
public final class SpoolClient implements AutoCloseable {
    private static final byte[] TABLE = "{\"table\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ROW = "\",\"row\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ROWS = "\",\"rows\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PING = "{\"ping\":true}\n".getBytes(StandardCharsets.US_ASCII);

    private final AgentAddress target;
    private final String token;
    private final int connectTimeoutMs;
    private final long ackTimeoutNanos;
    private ClientConnection connection; // guarded by this
    private boolean closed;              // guarded by this

    private SpoolClient(Builder b) {
        this.target = b.target;
        this.token = b.token;
        this.connectTimeoutMs = (int) Math.min(Integer.MAX_VALUE, b.connectTimeout.toMillis());
        this.ackTimeoutNanos = b.ackTimeout.toNanos();
    }

    /**
     * A client of the agent's Unix socket (CH_SOCKET, by default {@code <spool dir>/put.sock}); the socket's
     * file mode is the authentication, so no {@link Builder#token token} is needed.
     */
    public static Builder unix(Path socket) {
        return new Builder(new AgentAddress(Objects.requireNonNull(socket), null, 0));
    }

    /** A client of the agent's TCP listener (CH_LISTEN), which needs the agent's {@link Builder#token token}. */
    public static Builder tcp(String host, int port) {
        return new Builder(new AgentAddress(null, Objects.requireNonNull(host), port));
    }

    /** Puts one row (a JSON object on one line) and waits for the acknowledgement. Returns 1. */
    public int put(String table, String rowJson) throws SpoolException {
        return await(putAsync(table, rowJson));
    }

    public int put(String table, byte[] rowJson) throws SpoolException {
        return await(putAsync(table, rowJson));
    }

    /** Puts rows all or nothing and waits for the acknowledgement. Returns the row count. */
    public int putAll(String table, List<String> rowsJson) throws SpoolException {
        return await(putAllAsync(table, rowsJson));
    }

    public int putAllBytes(String table, List<byte[]> rowsJson) throws SpoolException {
        return await(putAllBytesAsync(table, rowsJson));
    }

    /**
     * Sends one row without waiting; the future completes with 1 once the agent committed it, or fails
     * with a {@link SpoolException}.
     *
     * @throws IllegalArgumentException when the row contains a line break (rows travel one per line)
     */
    public CompletableFuture<Integer> putAsync(String table, String rowJson) {
        return putAsync(table, rowJson.getBytes(StandardCharsets.UTF_8));
    }

    public CompletableFuture<Integer> putAsync(String table, byte[] rowJson) {
        ByteArrayOutputStream b = start(table, ROW, rowJson.length);
        appendRow(b, rowJson);
        b.write('}');
        return send(finish(b));
    }

    public CompletableFuture<Integer> putAllAsync(String table, List<String> rowsJson) {
        return putAllBytesAsync(table, rowsJson.stream().map(r -> r.getBytes(StandardCharsets.UTF_8)).toList());
    }

    public CompletableFuture<Integer> putAllBytesAsync(String table, List<byte[]> rowsJson) {
        int size = 0;
        for (byte[] r : rowsJson) {
            size += r.length + 1;
        }
        ByteArrayOutputStream b = start(table, ROWS, size);
        for (int i = 0; i < rowsJson.size(); i++) {
            if (i > 0) {
                b.write(',');
            }
            appendRow(b, rowsJson.get(i));
        }
        b.write(']');
        b.write('}');
        return send(finish(b));
    }

    /** Checks that the agent answers. */
    public void ping() throws SpoolException {
        await(connectionFuture(PING).thenApply(r -> 0));
    }

    private static ByteArrayOutputStream start(String table, byte[] key, int rowBytes) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(rowBytes + table.length() + 32);
        b.writeBytes(TABLE);
        b.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(table));
        b.writeBytes(key);
        return b;
    }

    private static void appendRow(ByteArrayOutputStream b, byte[] row) {
        for (byte c : row) {
            if (c == '\n' || c == '\r') {
                throw new IllegalArgumentException("a row must be JSON on one line (it contains a line break)");
            }
        }
        b.writeBytes(row);
    }

    private static byte[] finish(ByteArrayOutputStream b) {
        b.write('\n');
        return b.toByteArray();
    }

    private CompletableFuture<Integer> send(byte[] line) {
        CompletableFuture<Integer> out = new CompletableFuture<>();
        connectionFuture(line).whenComplete((r, e) -> {
            if (e != null) {
                out.completeExceptionally(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            } else {
                out.complete(r);
            }
        });
        return out;
    }

    /** Sends a line and completes with {@code n} of an ok answer, or a SpoolException. */
    private CompletableFuture<Integer> connectionFuture(byte[] line) {
        ClientConnection c;
        try {
            c = connection();
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        return c.send(line).thenCompose(r -> r.ok() ? CompletableFuture.completedFuture(r.n())
                : CompletableFuture.failedFuture(r.toException()));
    }

    /** The live connection, (re)connecting and authenticating when there is none. */
    private synchronized ClientConnection connection() throws SpoolException {
        if (closed) {
            throw new SpoolException(SpoolException.CONNECTION, "the client is closed", 0);
        }
        if (connection != null && !connection.isBroken()) {
            return connection;
        }
        ClientConnection c;
        try {
            c = ClientConnection.open(target, connectTimeoutMs);
        } catch (IOException e) {
            throw new SpoolException(SpoolException.CONNECTION, "cannot connect to the agent at " + target + ": " + e, e);
        }
        if (token != null) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes("{\"auth\":\"".getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(token));
            b.writeBytes("\"}\n".getBytes(StandardCharsets.US_ASCII));
            Response r = awaitRaw(c.send(b.toByteArray()), c);
            if (!r.ok()) {
                c.fail(null);
                throw r.toException();
            }
        }
        connection = c;
        return c;
    }

    private Response awaitRaw(CompletableFuture<Response> f, ClientConnection c) throws SpoolException {
        try {
            return f.get(ackTimeoutNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw asSpoolException(e.getCause());
        } catch (TimeoutException e) {
            c.fail(e);
            throw new SpoolException(SpoolException.TIMEOUT, "no answer to auth from " + target, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.fail(e);
            throw new SpoolException(SpoolException.CONNECTION, "interrupted while authenticating", e);
        }
    }

    private int await(CompletableFuture<Integer> f) throws SpoolException {
        try {
            return f.get(ackTimeoutNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw asSpoolException(e.getCause());
        } catch (TimeoutException e) {
            throw new SpoolException(SpoolException.TIMEOUT, "no acknowledgement within "
                    + TimeUnit.NANOSECONDS.toMillis(ackTimeoutNanos) + " ms; the request may still be committed", 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpoolException(SpoolException.CONNECTION, "interrupted while waiting for the acknowledgement", e);
        }
    }

    private static SpoolException asSpoolException(Throwable t) {
        if (t instanceof SpoolException s) {
            return s;
        }
        return new SpoolException(SpoolException.PROTOCOL, "unexpected failure: " + t, t);
    }

    /** Closes the connection; requests still in flight fail with {@link SpoolException#CONNECTION}. */
    @Override
    public synchronized void close() {
        closed = true;
        if (connection != null) {
            connection.fail(null);
            connection = null;
        }
    }

    /** Options of a {@link SpoolClient}. Not thread-safe; build once. */
    public static final class Builder {
        private final AgentAddress target;
        private String token;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration ackTimeout = Duration.ofSeconds(30);

        private Builder(AgentAddress target) {
            this.target = target;
        }

        /**
         * The agent's CH_AUTH_TOKEN, sent first on every connection: required over TCP; over the Unix socket
         * the agent answers it {@code ok} whatever it is.
         */
        public Builder token(String token) {
            this.token = token == null || token.isEmpty() ? null : token;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = Objects.requireNonNull(d);
            return this;
        }

        /** Longest a blocking put waits for its acknowledgement (default 30 s) before {@link SpoolException#TIMEOUT}. */
        public Builder ackTimeout(Duration d) {
            this.ackTimeout = Objects.requireNonNull(d);
            return this;
        }

        public SpoolClient build() {
            return new SpoolClient(this);
        }
    }
}
