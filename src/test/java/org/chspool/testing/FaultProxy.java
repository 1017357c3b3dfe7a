package org.chspool.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on a free loopback port that forwards to a real server and injects faults on
 * command, for testing what a client makes of a broken network.
 *
 * <p>The mode is read on every chunk, so switching it also affects pooled keep-alive connections:
 * <ul>
 *   <li>{@link Mode#PASS} forwards both ways untouched;
 *   <li>{@link Mode#REFUSE} closes new connections at once, and existing ones on their next bytes;
 *   <li>{@link Mode#DELAY} holds every chunk of the server's response for {@link #delay()} first;
 *   <li>{@link Mode#CUT_MID_REQUEST} forwards the request headers and the first
 *       {@value #CUT_BODY_BYTES} bytes of its body, then closes both sides: the server never sees
 *       a complete request;
 *   <li>{@link Mode#CUT_AFTER_RESPONSE} forwards the whole request, lets the server answer, then
 *       drops the answer and closes both sides: "committed but the response was lost";
 *   <li>{@link Mode#HTTP_503} answers the next request chunk itself with {@code 503 Service Unavailable}
 *       and closes both sides; the server sees nothing of the request.
 * </ul>
 * {@link #faultsInjected()} counts refused connections, cuts and delayed response chunks.
 *
 * <p>{@link #onInsertRequest} runs a hook at the start of every request that carries an INSERT (the
 * n-th since the proxy started), before any of it is forwarded, so a test can switch the mode for
 * exactly that request: "the second insert commits and its answer is lost". A new request is
 * recognised as the first chunk a client sends on a connection, or after the server answered the
 * previous one, that starts with an HTTP method (clients do not pipeline).
 *
 * <p>Thread-safe. One acceptor thread plus two daemon threads per connection; {@link #close()}
 * closes every socket and returns once the acceptor has stopped.
 */
public final class FaultProxy implements AutoCloseable {
    /** What the proxy does to traffic; see the class comment. */
    public enum Mode { PASS, REFUSE, DELAY, CUT_MID_REQUEST, CUT_AFTER_RESPONSE, CUT_AFTER_INSERT_RESPONSE, HTTP_503 }

    /** What {@link Mode#HTTP_503} answers to every request, without forwarding anything. */
    static final byte[] RESPONSE_503 = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 32\r\nConnection: close\r\n\r\nfault proxy: service unavailable")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Body bytes forwarded before a {@link Mode#CUT_MID_REQUEST} cut. */
    public static final int CUT_BODY_BYTES = 16;

    private final InetSocketAddress target;
    private final ServerSocket listener;
    private final Thread acceptor;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong faults = new AtomicLong();
    private final AtomicLong insertRequests = new AtomicLong();
    private volatile java.util.function.LongConsumer insertHook = n -> { };
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Mode mode = Mode.PASS;
    private volatile Duration delay = Duration.ZERO;

    private FaultProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "fault-proxy-accept-" + listener.getLocalPort());
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** Starts a proxy in front of {@code host:port}, in {@link Mode#PASS}. */
    public static FaultProxy start(String host, int port) throws IOException {
        return new FaultProxy(new InetSocketAddress(host, port));
    }

    /** Starts a proxy in front of the endpoint's HTTP port. */
    public static FaultProxy inFrontOf(ClickHouseEndpoint endpoint) throws IOException {
        return start(endpoint.host(), endpoint.port());
    }

    /** {@code http://127.0.0.1:<proxy port>}. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return listener.getLocalPort();
    }

    public Mode mode() {
        return mode;
    }

    public Duration delay() {
        return delay;
    }

    public void pass() {
        mode = Mode.PASS;
    }

    public void refuse() {
        mode = Mode.REFUSE;
    }

    /** Holds each chunk of every response for {@code d} before forwarding it. */
    public void delay(Duration d) {
        delay = d;
        mode = Mode.DELAY;
    }

    public void cutMidRequest() {
        mode = Mode.CUT_MID_REQUEST;
    }

    /**
     * Like {@link #cutAfterResponse()} but only for requests that carry an INSERT (in the URL or body):
     * the server commits the insert and its answer is lost, while probes and other queries pass.
     */
    public void cutAfterInsertResponse() {
        mode = Mode.CUT_AFTER_INSERT_RESPONSE;
    }

    public void cutAfterResponse() {
        mode = Mode.CUT_AFTER_RESPONSE;
    }

    /** Answers requests with HTTP 503 itself (an overloaded or restarting server behind a balancer). */
    public void http503() {
        mode = Mode.HTTP_503;
    }

    /**
     * Calls {@code hook} with n = 1, 2, ... at the start of the n-th INSERT request through the proxy,
     * on the proxy's thread and before the request is forwarded; a mode it sets applies to that request
     * and its answer. Replaces the previous hook.
     */
    public void onInsertRequest(java.util.function.LongConsumer hook) {
        insertHook = java.util.Objects.requireNonNull(hook, "hook");
    }

    /** INSERT requests seen so far (forwarded or not). */
    public long insertRequests() {
        return insertRequests.get();
    }

    /** Connections accepted so far. */
    public long connections() {
        return connections.get();
    }

    /** Faults injected so far (refusals, cuts, delayed chunks). */
    public long faultsInjected() {
        return faults.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(listener);
        sockets.forEach(FaultProxy::closeQuietly);
        acceptor.interrupt();
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!closed.get()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // listener closed
            }
            connections.incrementAndGet();
            if (mode == Mode.REFUSE) {
                faults.incrementAndGet();
                closeQuietly(client);
                continue;
            }
            Socket server = new Socket();
            try {
                server.connect(target, 5000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(server);
                continue;
            }
            sockets.add(client);
            sockets.add(server);
            if (closed.get()) { // close() may have run between accept and add
                closeQuietly(client);
                closeQuietly(server);
                return;
            }
            String name = "fault-proxy-" + client.getPort();
            java.util.concurrent.atomic.AtomicBoolean sawInsert = new java.util.concurrent.atomic.AtomicBoolean();
            AtomicBoolean requestStarts = new AtomicBoolean(true); // the next client chunk may begin a request
            startDaemon(name + "-request", () -> pumpRequest(client, server, sawInsert, requestStarts));
            startDaemon(name + "-response", () -> pumpResponse(server, client, sawInsert, requestStarts));
        }
    }

    private void pumpRequest(Socket client, Socket server, java.util.concurrent.atomic.AtomicBoolean sawInsert,
                             AtomicBoolean requestStarts) {
        byte[] buf = new byte[64 * 1024];
        HeaderEnd headerEnd = new HeaderEnd();
        int bodyLeft = CUT_BODY_BYTES;
        try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (requestStarts.getAndSet(false) && startsWithMethod(buf, n) && containsInsert(buf, n)) {
                    insertHook.accept(insertRequests.incrementAndGet()); // may switch the mode for this request
                }
                Mode m = mode;
                if (m == Mode.REFUSE) {
                    cut(client, server);
                    return;
                }
                if (m == Mode.HTTP_503) {
                    faults.incrementAndGet();
                    client.getOutputStream().write(RESPONSE_503);
                    client.getOutputStream().flush();
                    release(client, server);
                    return;
                }
                if (!sawInsert.get() && containsInsert(buf, n)) {
                    sawInsert.set(true);
                }
                if (m != Mode.CUT_MID_REQUEST) {
                    headerEnd.reset();
                    bodyLeft = CUT_BODY_BYTES;
                    out.write(buf, 0, n);
                    continue;
                }
                int bodyStart = headerEnd.seen() ? 0 : headerEnd.feed(buf, n);
                if (bodyStart < 0) { // still inside the headers
                    out.write(buf, 0, n);
                    continue;
                }
                int forward = Math.min(n, bodyStart + bodyLeft);
                out.write(buf, 0, forward);
                out.flush();
                bodyLeft -= forward - bodyStart;
                if (bodyLeft <= 0 || forward < n) {
                    cut(client, server);
                    return;
                }
            }
        } catch (IOException e) {
            // either side went away; close both below
        } finally {
            release(client, server);
        }
    }

    private void pumpResponse(Socket server, Socket client, java.util.concurrent.atomic.AtomicBoolean sawInsert,
                              AtomicBoolean requestStarts) {
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                requestStarts.set(true); // set before the client can see the answer and send its next request
                Mode m = mode;
                if (m == Mode.REFUSE || m == Mode.CUT_AFTER_RESPONSE
                        || (m == Mode.CUT_AFTER_INSERT_RESPONSE && sawInsert.get())) {
                    cut(client, server);
                    return;
                }
                if (m == Mode.DELAY) {
                    faults.incrementAndGet();
                    Thread.sleep(delay.toMillis()); // the injected fault itself, interrupted by close()
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            // either side went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            release(client, server);
        }
    }

    private static boolean containsInsert(byte[] buf, int n) {
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1)
                .toUpperCase(java.util.Locale.ROOT).contains("INSERT");
    }

    private static boolean startsWithMethod(byte[] buf, int n) {
        String head = new String(buf, 0, Math.min(n, 8), java.nio.charset.StandardCharsets.US_ASCII);
        return head.startsWith("POST ") || head.startsWith("GET ") || head.startsWith("PUT ") || head.startsWith("HEAD ");
    }

    private void cut(Socket client, Socket server) {
        faults.incrementAndGet();
        release(client, server);
    }

    private void release(Socket client, Socket server) {
        closeQuietly(client);
        closeQuietly(server);
        sockets.remove(client);
        sockets.remove(server);
    }

    private void startDaemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (SocketException ignored) {
            // already closed
        } catch (Exception ignored) {
            // best effort
        }
    }

    /** Finds the blank line that ends HTTP request headers, across chunk boundaries. */
    private static final class HeaderEnd {
        private static final byte[] CRLFCRLF = {'\r', '\n', '\r', '\n'};
        private int matched;

        void reset() {
            matched = 0;
        }

        boolean seen() {
            return matched == CRLFCRLF.length;
        }

        /** Index in {@code buf} where the body starts, or -1 if the headers go on. */
        int feed(byte[] buf, int n) {
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (b == CRLFCRLF[matched]) {
                    matched++;
                } else {
                    matched = b == '\r' ? 1 : 0;
                }
                if (matched == CRLFCRLF.length) {
                    return i + 1;
                }
            }
            return -1;
        }
    }
}
