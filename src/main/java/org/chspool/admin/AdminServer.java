package org.chspool.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.chspool.config.Endpoint;
import org.chspool.util.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's admin surface ({@code /status /metrics /healthz}, {@code POST /flush /maintain}, see
 * {@link AdminHandlers}) on HTTP ({@code CH_ADMIN_LISTEN}; null disables it) and on the Unix socket
 * {@code <spool dir>/admin.sock} (null disables it). Also samples delivery counters once a second for the
 * rows/s figures.
 *
 * <p>Access: the Unix socket (mode 0660) may use every route; over TCP only {@code GET /status /metrics
 * /healthz} are open, everything else needs {@code Authorization: Bearer <CH_AUTH_TOKEN>} (see
 * {@link AdminAuthorization}). The config keeps the TCP listener on loopback.
 *
 * <p>Threading: two request threads ({@code admin-http-N}) shared by both transports, a UDS accept thread
 * and a timer thread ({@code admin-timer}). {@link #start} and {@link #close} from one thread.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final HttpServer http;
    private final UnixHttpServer unix;
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final StatusCollector collector;

    private AdminServer(HttpServer http, UnixHttpServer unix, ExecutorService workers, ScheduledExecutorService timer,
                        StatusCollector collector) {
        this.http = http;
        this.unix = unix;
        this.workers = workers;
        this.timer = timer;
        this.collector = collector;
    }

    /** What {@code GET /status} answers right now (for embedding and tests). */
    public StatusReport status() throws java.sql.SQLException, org.chspool.spool.SpoolFileException {
        return collector.collect();
    }

    /** Starts with the thresholds of {@code src.config()} ({@link HealthPolicy#from}). */
    public static AdminServer start(StatusSource src) throws IOException {
        return start(src, HealthPolicy.from(src.config()), src.config().adminListen(), src.config().adminSocketPath());
    }

    /**
     * Starts the listeners; over TCP the routes beyond {@code /status /metrics /healthz} need
     * {@code src.config().authToken()} as a bearer token.
     *
     * @param listen TCP address (port 0: any free port), or null for none
     * @param socket Unix socket path, or null for none
     */
    public static AdminServer start(StatusSource src, HealthPolicy policy, Endpoint listen, Path socket)
            throws IOException {
        return start(src, policy, listen, socket, new AdminAuthorization(src.config().authToken(), socket));
    }

    private static AdminServer start(StatusSource src, HealthPolicy policy, Endpoint listen, Path socket,
                                     AdminAuthorization authorization) throws IOException {
        ExecutorService workers = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(64),
                Threads.numbered("admin-http"));
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, Threads.named("admin-timer"));
        timer.setRemoveOnCancelPolicy(true);
        StatusCollector collector = new StatusCollector(src, policy, new DeliveryRates(), Clock.systemUTC(),
                System::nanoTime);
        AdminHandlers handlers = new AdminHandlers(src, collector, authorization);
        HttpServer http = null;
        UnixHttpServer unix = null;
        try {
            if (listen != null) {
                http = HttpServer.create(new InetSocketAddress(listen.host(), listen.port()), 16);
                http.createContext("/", ex -> exchange(ex, handlers));
                http.setExecutor(workers);
                http.start();
                if (!listen.isLoopback()) {
                    log.warn("admin endpoint listens on non-loopback {}: status and metrics are readable from there"
                            + " (everything else still needs the token)", listen);
                }
            }
            if (socket != null) {
                unix = new UnixHttpServer(socket, handlers, workers, timer);
            }
        } catch (IOException | RuntimeException e) {
            if (http != null) {
                http.stop(0);
            }
            workers.shutdownNow();
            timer.shutdownNow();
            throw e;
        }
        timer.scheduleAtFixedRate(() -> {
            try {
                collector.sampleRates();
            } catch (RuntimeException e) {
                log.warn("admin: rate sample failed", e);
            }
        }, 0, 1, TimeUnit.SECONDS);
        AdminServer s = new AdminServer(http, unix, workers, timer, collector);
        log.info("admin endpoint: {}{}", http == null ? "no TCP" : "http://" + listen.host() + ":" + s.port(),
                unix == null ? "" : " and " + unix.path());
        return s;
    }

    private static void exchange(HttpExchange ex, AdminHandlers handlers) throws IOException {
        try (ex) {
            boolean fullAccess = handlers.authorization().bearerMatches(ex.getRequestHeaders().getFirst("Authorization"));
            AdminResponse r = handlers.handle(ex.getRequestMethod(), ex.getRequestURI().getRawPath()
                    + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()), fullAccess);
            ex.getResponseHeaders().set("Content-Type", r.contentType());
            r.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            boolean head = "HEAD".equals(ex.getRequestMethod());
            ex.sendResponseHeaders(r.status(), head ? -1 : r.body().length == 0 ? -1 : r.body().length);
            if (!head && r.body().length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(r.body());
                }
            }
        }
    }

    /** The bound TCP port, or -1 without a TCP listener. */
    public int port() {
        return http == null ? -1 : http.getAddress().getPort();
    }

    /** The Unix socket, or null without one. */
    public Path socketPath() {
        return unix == null ? null : unix.path();
    }

    /** Stops both listeners (requests in progress get a second) and the timer. Idempotent. */
    @Override
    public void close() {
        if (http != null) {
            http.stop(1);
        }
        if (unix != null) {
            try {
                unix.close();
            } catch (IOException e) {
                log.warn("closing admin socket: {}", e.getMessage());
            }
        }
        timer.shutdownNow();
        workers.shutdownNow();
    }

}
