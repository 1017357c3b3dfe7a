package org.chspool.bench;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A put-protocol connection for load benchmarks, driven the way a pipelining client drives the agent:
 * the caller's thread writes request lines (a blocking write: when the agent stops reading, the kernel's
 * flow control holds it here), a reader thread matches the answers to the requests in order and counts
 * them. Optionally a window bounds the requests in flight (a polite client); without one the writer is
 * limited only by the socket.
 *
 * <p>Latency of each answer is measured from the request's scheduled time (the time the caller passes to
 * {@link #send}, so a paced sender that falls behind is charged for it) to the answer's arrival.
 *
 * <p>Threading: {@link #send} from one thread; counters and latencies are read after {@link #close}.
 */
final class PipeClient implements AutoCloseable {
    private final SocketChannel channel;
    private final Thread reader;
    private final ConcurrentLinkedQueue<long[]> inFlight = new ConcurrentLinkedQueue<>(); // {scheduled nanos, rows}
    private final Semaphore window;
    final AtomicLong ackedRows = new AtomicLong();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong busy = new AtomicLong();
    final AtomicLong otherErrors = new AtomicLong();
    /** Latencies of acknowledged requests and of busy answers; the reader thread's only, until close. */
    final Latencies ackLatency = new Latencies();
    final Latencies busyLatency = new Latencies();
    private volatile String lastError;
    volatile String lastBusy;
    private volatile boolean measuring = true;

    /** @param window requests in flight at most, or 0 for none (pipelining without limit) */
    PipeClient(Path socket, int window) throws IOException {
        this.channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        this.window = window > 0 ? new Semaphore(window) : null;
        this.reader = new Thread(this::readLoop, "bench-pipe-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Sends one request line (with its newline) of {@code rows} rows, scheduled at {@code scheduledNanos}. */
    void send(byte[] line, int rows, long scheduledNanos) throws IOException, InterruptedException {
        if (window != null) {
            window.acquire();
        }
        inFlight.add(new long[] {scheduledNanos, rows});
        ByteBuffer b = ByteBuffer.wrap(line);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Answers that arrive from now on are not counted (the measured interval ended). */
    void stopMeasuring() {
        measuring = false;
    }

    /** Waits until every request sent has its answer (or the connection ended). */
    void awaitAnswers(long timeoutNanos) throws InterruptedException {
        long end = System.nanoTime() + timeoutNanos;
        while (!inFlight.isEmpty() && reader.isAlive() && System.nanoTime() - end < 0) {
            Thread.sleep(1); // a benchmark waiting for a real socket, not a test
        }
    }

    String lastError() {
        return lastError;
    }

    private void readLoop() {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        byte[] line = new byte[1 << 12];
        int len = 0;
        try {
            while (channel.read(buf) >= 0) {
                buf.flip();
                long now = System.nanoTime();
                while (buf.hasRemaining()) {
                    byte c = buf.get();
                    if (c != '\n') {
                        if (len < line.length) {
                            line[len] = c;
                        }
                        len++;
                        continue;
                    }
                    answered(new String(line, 0, Math.min(len, line.length), StandardCharsets.UTF_8), now);
                    len = 0;
                }
                buf.clear();
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void answered(String answer, long now) {
        long[] req = inFlight.poll();
        if (window != null) {
            window.release();
        }
        if (req == null || !measuring) {
            return;
        }
        long latency = now - req[0];
        if (answer.startsWith("{\"ok\":true")) {
            acked.incrementAndGet();
            ackedRows.addAndGet(req[1]);
            ackLatency.add(latency);
        } else if (answer.contains("\"error\":\"busy\"")) {
            busy.incrementAndGet();
            lastBusy = answer;
            busyLatency.add(latency);
        } else {
            otherErrors.incrementAndGet();
            lastError = answer;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
