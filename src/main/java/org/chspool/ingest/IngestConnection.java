package org.chspool.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.chspool.spool.Rejection;
import org.chspool.spool.RoomWait;
import org.chspool.spool.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: splits its bytes into lines, hands each parsed request to the spool and sends
 * the responses in request order, whatever order the spool completes them in.
 *
 * <p>Memory is bounded by {@link ConnectionLimits}: lines that fit the read buffer are parsed in place; a
 * longer line is gathered in a line buffer up to CH_MAX_LINE_BYTES, beyond which it is answered
 * {@code too_large} and skipped to its newline without being kept. While too many requests or row bytes
 * are in flight, or the client does not read its responses, the connection stops reading.
 *
 * <p>Backpressure from the spool: a put that finds no room in the spool writer's queue ({@link
 * Spool#offer}) is held, and the connection stops reading, until the writer grants it room (in the order
 * puts began to wait, so no connection starves); the client is
 * slowed down by the socket's flow control, at no CPU cost, instead of being refused after a full put
 * timeout. Only a put whose wait turns hopeless ({@link RoomWait#resolve}: the writer is stuck, or the put timeout
 * passed) is answered {@code busy}, with {@code retry_after_ms} from the writer's measured rate.
 *
 * <p>Threading: everything runs on the connection's {@link IoLoop} thread except {@link Slot#complete},
 * which the spool writer calls; it only publishes the result and signals the loop.
 */
final class IngestConnection implements IoLoop.Handler {
    private static final Logger log = LoggerFactory.getLogger(IngestConnection.class);
    private static final byte[] NO_BYTES = new byte[0];

    private final SocketChannel channel;
    private final IoLoop loop;
    private final IngestContext ctx;
    private final ByteBuffer in;
    private final ByteBuffer out;
    private final ArrayDeque<Slot> pending = new ArrayDeque<>();
    private final AtomicBoolean signalled = new AtomicBoolean();
    private SelectionKey key;
    private int start;         // first unconsumed byte of in
    private int scanned;       // bytes of in before this index hold no newline
    private byte[] line = NO_BYTES;
    private int lineLen;       // bytes of a long line gathered in line[]
    private boolean skipping;  // discarding a too_large line up to its newline
    private long inFlightBytes;
    private final boolean peerAuthenticated; // a Unix-socket peer: the socket file's permissions let it in
    private boolean authenticated;
    private boolean closing;   // refused (unauthorized): answer what is queued, then close
    private boolean eof;
    private boolean closed;
    private Held held;         // a put waiting for room in the spool writer's queue, or null

    /**
     * @param peerAuthenticated true for a Unix-socket connection: no token is asked for, and an
     *                          {@code auth} line is answered {@code ok} whatever it holds (older clients
     *                          send one)
     */
    IngestConnection(SocketChannel channel, IoLoop loop, IngestContext ctx, boolean peerAuthenticated) {
        this.channel = channel;
        this.loop = loop;
        this.ctx = ctx;
        this.in = ByteBuffer.allocate(ctx.limits().readBufferBytes());
        this.out = ByteBuffer.allocate(ctx.limits().outputBufferBytes());
        this.peerAuthenticated = peerAuthenticated;
        this.authenticated = peerAuthenticated || !ctx.token().isSet();
    }

    /** Registers with the loop's selector; loop thread only. */
    void register() throws IOException {
        key = channel.register(loop.selector(), SelectionKey.OP_READ, this);
    }

    @Override
    public void onSelected(SelectionKey k) {
        step(() -> {
            if (k.isReadable()) {
                read();
            }
            pump();
        });
    }

    /** A response completed on the spool writer; loop thread. */
    void onSignal() {
        signalled.set(false);
        if (closed) {
            return;
        }
        step(this::pump);
    }

    private interface IoStep {
        void run() throws IOException;
    }

    /** Runs one step of the connection; a failed one closes it (the peer went away, or a bug, logged). */
    private void step(IoStep s) {
        try {
            s.run();
        } catch (IOException e) {
            close();
        } catch (RuntimeException e) {
            log.error("ingest connection failed; closing it", e);
            close();
        }
    }

    private void read() throws IOException {
        if (start > 0) {
            int live = in.position() - start;
            System.arraycopy(in.array(), start, in.array(), 0, live);
            in.position(live);
            scanned -= start;
            start = 0;
        }
        if (channel.read(in) < 0) {
            eof = true;
        }
    }

    /** Does all work possible now: parse buffered lines, move finished responses out, write. */
    private void pump() throws IOException {
        boolean progress = true;
        while (progress && !closed) {
            progress = processLines() | drainCompleted();
            writeOut();
        }
        if (closed) {
            return;
        }
        if ((eof || closing) && pending.isEmpty() && out.position() == 0 && (closing || !hasCompleteLine())) {
            close();
            return;
        }
        int ops = 0;
        if (!eof && !closing && !paused()) {
            ops |= SelectionKey.OP_READ;
        }
        if (out.position() > 0) {
            ops |= SelectionKey.OP_WRITE;
        }
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    private boolean paused() {
        ConnectionLimits l = ctx.limits();
        return held != null || pending.size() >= l.maxInFlightRequests() || inFlightBytes >= l.maxInFlightBytes()
                || out.position() > out.capacity() / 2;
    }

    private boolean hasCompleteLine() {
        return indexOfNewline(start) >= 0;
    }

    private int indexOfNewline(int from) {
        byte[] a = in.array();
        for (int i = from, end = in.position(); i < end; i++) {
            if (a[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Parses complete lines while not paused. True when at least one line was consumed. */
    private boolean processLines() {
        boolean any = false;
        if (held != null) {
            Optional<CompletableFuture<Integer>> outcome = held.roomWait().resolve();
            if (outcome.isEmpty()) {
                return false; // still waiting for room: the spool wakes this connection
            }
            outcome.get().whenComplete(held.slot()::complete);
            held = null;
            any = true;
        }
        byte[] a = in.array();
        int maxLine = ctx.maxLineBytes();
        while (!paused() && !closing) {
            int end = in.position();
            int nl = indexOfNewline(Math.max(scanned, start));
            if (nl < 0) {
                scanned = end;
                int partial = end - start;
                if (skipping || eof) {
                    discardBuffered();      // rest of a too_large line, or an incomplete last line
                    lineLen = 0;
                    releaseLine();
                } else if (lineLen + partial > maxLine) {
                    tooLarge();
                    discardBuffered();
                } else if (lineLen > 0 || (start == 0 && end == a.length)) {
                    gather(a, start, partial);  // a line longer than the read buffer
                    discardBuffered();
                }
                return any;
            }
            any = true;
            int len = nl - start;
            if (skipping) {
                skipping = false;
            } else if (lineLen + len > maxLine) {
                tooLarge();
                skipping = false;
            } else if (lineLen > 0) {
                gather(a, start, len);
                handleLine(line, 0, lineLen);
                lineLen = 0;
                releaseLine();
            } else {
                handleLine(a, start, len);
            }
            start = nl + 1;
            scanned = start;
            if (start == in.position()) {
                discardBuffered();
            }
        }
        return any;
    }

    private void discardBuffered() {
        in.position(0);
        start = 0;
        scanned = 0;
    }

    private void gather(byte[] a, int off, int len) {
        if (lineLen + len > line.length) {
            int cap = Math.min(ctx.maxLineBytes(), Math.max(lineLen + len, Math.max(line.length * 2, 1 << 16)));
            line = java.util.Arrays.copyOf(line, cap);
        }
        System.arraycopy(a, off, line, lineLen, len);
        lineLen += len;
    }

    private void releaseLine() {
        if (line.length > in.capacity()) {
            line = NO_BYTES;
        }
    }

    private void tooLarge() {
        ctx.counters().request();
        respondError(ErrorCode.TOO_LARGE, "request line is longer than " + ctx.maxLineBytes()
                + " bytes (CH_MAX_LINE_BYTES); split the rows over several requests", null);
        skipping = true;
        lineLen = 0;
        releaseLine();
    }

    private void handleLine(byte[] a, int off, int len) {
        while (len > 0 && (a[off + len - 1] == '\r' || a[off + len - 1] == ' ' || a[off + len - 1] == '\t')) {
            len--;
        }
        while (len > 0 && (a[off] == ' ' || a[off] == '\t')) {
            off++;
            len--;
        }
        if (len == 0) {
            return;
        }
        ctx.counters().request();
        if (!authenticated) {
            Request.Auth auth = ctx.protocol().parseAuth(a, off, len);
            if (auth != null && ctx.token().matches(auth.token())) {
                authenticated = true;
                respond(LineProtocol.authenticated(null));
            } else {
                refuse(null);
            }
            return;
        }
        Request r = ctx.protocol().parse(a, off, len);
        if (r instanceof Request.Put put) {
            if (!ctx.accepting()) {
                respondError(ErrorCode.SHUTTING_DOWN, "the agent is shutting down; retry against its successor", put.id());
                return;
            }
            Slot slot = new Slot(this, put.id(), put.bytes());
            pending.add(slot);
            inFlightBytes += put.bytes();
            Spool.Offer offer = ctx.spool().offer(put.table(), put.rows(), put.createdUs(), put.mark(), this::signal);
            if (offer instanceof Spool.Offer.Taken taken) {
                taken.result().whenComplete(slot::complete);
            } else {
                held = new Held(slot, ((Spool.Offer.Waiting) offer).roomWait());
                ctx.counters().putHeldForRoom();
            }
        } else if (r instanceof Request.ImportProgress q) {
            Slot slot = new Slot(this, q.id(), 0);
            pending.add(slot);
            ctx.spool().importProgress(q.source()).whenComplete((progress, e) -> slot.completeWith(e == null
                    ? LineProtocol.progress(progress, q.id())
                    : LineProtocol.error(ErrorCode.IO_ERROR, "cannot read the import progress: " + e.getMessage(), 0, q.id())));
        } else if (r instanceof Request.Ping ping) {
            respond(LineProtocol.pong(ping.id()));
        } else if (r instanceof Request.Auth auth) {
            if (!peerAuthenticated && ctx.token().isSet() && !ctx.token().matches(auth.token())) {
                refuse(auth.id());
            } else {
                respond(LineProtocol.authenticated(auth.id()));
            }
        } else if (r instanceof Request.Invalid bad) {
            respondError(bad.code(), bad.message(), bad.id());
        }
    }

    /** A put waiting for room in the spool writer's queue; its slot is already queued. */
    private record Held(Slot slot, RoomWait roomWait) {}

    private void refuse(byte[] id) {
        respondError(ErrorCode.UNAUTHORIZED, "this agent requires a token: send {\"auth\":\"<token>\"} as the first line",
                id);
        closing = true;
    }

    private void respond(byte[] response) {
        Slot s = new Slot(this, null, 0);
        s.response = response;
        pending.add(s);
    }

    private void respondError(ErrorCode code, String message, byte[] id) {
        ctx.counters().error(code);
        respond(LineProtocol.error(code, message, 0, id));
    }

    /** Moves finished responses, in order, into the output buffer. True when any moved. */
    private boolean drainCompleted() {
        boolean any = false;
        Slot s;
        while ((s = pending.peek()) != null) {
            byte[] r = s.response;
            if (r == null) {
                if (!s.done) {
                    break;
                }
                r = s.response = s.ready != null ? s.ready : format(s);
            }
            if (r.length > out.remaining()) {
                break;
            }
            out.put(r);
            pending.poll();
            inFlightBytes -= s.bytes;
            any = true;
        }
        return any;
    }

    private byte[] format(Slot s) {
        if (s.error == null) {
            ctx.counters().accepted(s.rows);
            return LineProtocol.ok(s.rows, s.id);
        }
        Throwable e = s.error instanceof CompletionException && s.error.getCause() != null ? s.error.getCause() : s.error;
        if (e instanceof Rejection rej) {
            ErrorCode code = ErrorCode.of(rej.reason());
            ctx.counters().error(code);
            return LineProtocol.error(code, rej.getMessage(), rej.retryAfterMs(), s.id);
        }
        log.warn("spool append failed unexpectedly", e);
        ctx.counters().error(ErrorCode.IO_ERROR);
        return LineProtocol.error(ErrorCode.IO_ERROR, "spool append failed: " + e, 0, s.id);
    }

    private void writeOut() throws IOException {
        if (out.position() == 0) {
            return;
        }
        out.flip();
        try {
            channel.write(out);
        } finally {
            out.compact();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (held != null) {
            held.roomWait().abandon(); // nobody will read its answer: give its room back, write nothing
            held = null;
        }
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing connection: {}", e.toString());
        }
        line = NO_BYTES;
        ctx.connectionClosed();
    }

    /**
     * The answer to one request, in the connection's ordered queue. Immediate answers carry
     * {@link #response}; spool answers are filled in by {@link #complete} on the writer thread.
     */
    private static final class Slot {
        private final IngestConnection owner;
        final byte[] id;
        final long bytes;
        byte[] response;   // loop thread only
        int rows;
        Throwable error;
        /** A complete answer made off the loop thread (import progress), or null. */
        byte[] ready;
        volatile boolean done;

        Slot(IngestConnection owner, byte[] id, long bytes) {
            this.owner = owner;
            this.id = id;
            this.bytes = bytes;
        }

        /** Spool writer thread: publish a finished answer and wake the loop. */
        void completeWith(byte[] answer) {
            ready = answer;
            done = true;
            owner.signal();
        }

        /** Spool writer thread: publish and wake the loop; nothing else. */
        void complete(Integer n, Throwable e) {
            rows = n == null ? 0 : n;
            error = e;
            done = true;
            owner.signal();
        }
    }

    /** Any thread: ask the loop to run {@link #onSignal}, at most once until it has. */
    private void signal() {
        if (signalled.compareAndSet(false, true)) {
            loop.signal(this);
        }
    }
}
