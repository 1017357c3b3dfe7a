package org.chspool.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.config.Endpoint;
import org.chspool.spool.Spool;
import org.chspool.util.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ClickHouse-compatible HTTP insert endpoint ({@code CH_HTTP_LISTEN}, see {@code docs/http.md}): the
 * JDK's {@link HttpServer} with a bounded pool of named handler threads ({@code http-insert-N}, at most
 * {@link HttpLimits#threads()} requests served at once, up to 1024 more connections' requests queued;
 * beyond that a request's connection is closed).
 *
 * <p>Lifecycle, matching the put-protocol server: {@link #start()} binds; {@link #stopAccepting()} makes
 * every new request get a 503 ABORTED ("shutting down") answer while requests in flight keep waiting for
 * their commit; {@link #close()}, called after the spool closed (so every in-flight request has its
 * outcome), waits (bounded) for those to be answered, then closes the listener and every connection.
 * The listener stays bound until {@link #close()} because JDK 17's {@code HttpServer.stop} cannot close
 * just the listener: it always waits its whole delay when no exchange is in flight (JDK-8304065, fixed
 * in 21), so it is called once, with delay 0, after our own in-flight count reached zero.
 *
 * <p>Threading: lifecycle methods are synchronized; accessors are safe from any thread.
 */
public final class HttpInsertServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpInsertServer.class);
    private static final int BACKLOG = 1024;
    private static final int QUEUED_REQUESTS = 1024;
    /** Longest wait in {@link #close()} for requests in flight to be answered. */
    private static final int STOP_WAIT_S = 5;

    private final AgentConfig config;
    private final HttpLimits limits;
    private final HttpCounters counters = new HttpCounters();
    private final RequestHandler handler;
    private volatile boolean closing;
    private HttpServer server;
    private ThreadPoolExecutor executor;
    private final Object idle = new Object();
    private int inFlight; // guarded by idle
    private volatile int port = -1;

    public HttpInsertServer(AgentConfig config, Spool spool) {
        this(config, spool, HttpLimits.from(config));
    }

    HttpInsertServer(AgentConfig config, Spool spool, HttpLimits limits) {
        this.config = config;
        this.limits = limits;
        this.handler = new RequestHandler(new InsertExecutor(config, spool, limits), config.authToken(),
                limits.maxBodyBytes(), counters, () -> closing);
    }

    /**
     * Binds {@link AgentConfig#httpListen()} and starts serving.
     *
     * @return the bound port (useful with port 0)
     */
    public synchronized int start() throws IOException {
        Endpoint ep = config.httpListen();
        if (ep == null) {
            throw new IllegalStateException("CH_HTTP_LISTEN is empty: the HTTP endpoint is disabled");
        }
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        clearSpillDir(limits.spillDir());
        try {
            server = HttpServer.create(new InetSocketAddress(ep.host(), ep.port()), BACKLOG);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + ep + " (CH_HTTP_LISTEN): " + e.getMessage(), e);
        }
        executor = new ThreadPoolExecutor(limits.threads(), limits.threads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUED_REQUESTS), Threads.numbered("http-insert"));
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            enter();
            try {
                handler.handle(ex);
            } finally {
                exit();
            }
        });
        server.start();
        port = server.getAddress().getPort();
        log.info("ClickHouse-compatible HTTP insert endpoint listening on http://{}:{}/", ep.host(), port);
        return port;
    }

    /** The bound port, or -1 before {@link #start()}. */
    public int port() {
        return port;
    }

    public HttpCounters counters() {
        return counters;
    }

    /** From now on new requests are answered ABORTED (503); requests in flight continue. */
    public void stopAccepting() {
        closing = true;
    }

    /** Waits (bounded) for in-flight requests to be answered, then closes the listener, connections and threads. Idempotent. */
    @Override
    public synchronized void close() {
        closing = true;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_WAIT_S);
            synchronized (idle) {
                long left;
                while (inFlight > 0 && (left = deadline - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(idle, left);
                }
                if (inFlight > 0) {
                    log.warn("closing the HTTP endpoint with {} request(s) still unanswered", inFlight);
                }
            }
            if (server != null) {
                server.stop(0);
                server = null;
            }
            if (executor != null) {
                executor.shutdown();
                if (!executor.awaitTermination(STOP_WAIT_S, TimeUnit.SECONDS)) {
                    executor.shutdownNow();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void enter() {
        synchronized (idle) {
            inFlight++;
        }
    }

    private void exit() {
        synchronized (idle) {
            if (--inFlight == 0) {
                idle.notifyAll();
            }
        }
    }

    private static void clearSpillDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "http-*.rows")) {
            for (Path f : files) {
                Files.deleteIfExists(f); // left by a crash mid-request: those requests were never answered 200
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + dir, e);
        }
    }

}
