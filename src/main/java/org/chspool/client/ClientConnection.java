package org.chspool.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.chspool.util.Threads;

/**
 * One pipelined connection to the agent. Requests are written in the order callers get the write lock,
 * and their futures are queued in the same order under that lock; a reader thread matches each response
 * line to the oldest waiting future. When anything goes wrong the connection is marked broken, closed,
 * and every waiting future fails with {@link SpoolException#CONNECTION}: none of them was acknowledged.
 *
 * <p>Threading: {@link #send} from any thread (it blocks while the socket is full, which is how the agent
 * pushes back); futures complete on the reader thread ({@code spool-client-reader}).
 */
final class ClientConnection {
    private final SocketChannel channel;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ConcurrentLinkedQueue<CompletableFuture<Response>> waiting = new ConcurrentLinkedQueue<>();
    private final Thread reader;
    private volatile boolean broken;

    private ClientConnection(SocketChannel channel, String name) {
        this.channel = channel;
        this.reader = Threads.daemon("spool-client-reader " + name, this::readLoop);
    }

    static ClientConnection open(AgentAddress target, int connectTimeoutMs) throws IOException {
        SocketChannel ch;
        if (target.socket() != null) {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(target.socket()));
            } catch (IOException e) {
                ch.close();
                throw e;
            }
        } else {
            ch = SocketChannel.open();
            try {
                SocketAddress addr = new InetSocketAddress(target.host(), target.port());
                ch.socket().connect(addr, connectTimeoutMs);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                ch.close();
                throw e;
            }
        }
        ClientConnection c = new ClientConnection(ch, target.toString());
        c.reader.start();
        return c;
    }

    boolean isBroken() {
        return broken;
    }

    /** Writes one request line; the future completes with its response. Never throws. */
    CompletableFuture<Response> send(byte[] line) {
        CompletableFuture<Response> f = new CompletableFuture<>();
        writeLock.lock();
        try {
            if (broken) {
                f.completeExceptionally(lost(null));
                return f;
            }
            waiting.add(f);
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            fail(e);
        } finally {
            writeLock.unlock();
        }
        return f;
    }

    private void readLoop() {
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        byte[] a = buf.array();
        try {
            while (true) {
                if (channel.read(buf) < 0) {
                    fail(null);
                    return;
                }
                int start = 0;
                int end = buf.position();
                for (int i = 0; i < end; i++) {
                    if (a[i] == '\n') {
                        deliver(Response.parse(a, start, i - start));
                        start = i + 1;
                    }
                }
                if (start == 0 && end == a.length) {
                    throw new SpoolException(SpoolException.PROTOCOL, "response line longer than " + a.length + " bytes", 0);
                }
                System.arraycopy(a, start, a, 0, end - start);
                buf.position(end - start);
            }
        } catch (IOException | SpoolException | RuntimeException e) {
            fail(e);
        }
    }

    private void deliver(Response r) throws SpoolException {
        CompletableFuture<Response> f = waiting.poll();
        if (f == null) {
            throw new SpoolException(SpoolException.PROTOCOL, "a response arrived for no request", 0);
        }
        f.complete(r);
    }

    /** Marks the connection broken and fails everything waiting. Any thread; idempotent. */
    void fail(Throwable cause) {
        broken = true;
        try {
            channel.close(); // also unblocks a writer stuck on a full socket
        } catch (IOException ignored) {
            // closing anyway
        }
        writeLock.lock();
        try {
            CompletableFuture<Response> f;
            while ((f = waiting.poll()) != null) {
                f.completeExceptionally(lost(cause));
            }
        } finally {
            writeLock.unlock();
        }
    }

    private static SpoolException lost(Throwable cause) {
        String why = cause == null ? "closed" : cause.toString();
        return new SpoolException(SpoolException.CONNECTION,
                "connection to the agent lost (" + why + "); the request was not acknowledged", cause);
    }
}
