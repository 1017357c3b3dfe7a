package org.chspool.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.chspool.admin.AdminServer;
import org.chspool.admin.HealthPolicy;
import org.chspool.admin.StatusSource;
import org.chspool.agent.SpoolAgent;
import org.chspool.config.AgentConfig;
import org.chspool.config.Endpoint;
import org.chspool.ingest.SocketServer;

/**
 * An agent in this process for admin and CLI tests: {@link SpoolAgent} against ClickHouse behind a
 * {@link FaultProxy}, with its put-protocol {@link SocketServer} on {@code <dir>/put.sock} and its
 * {@link AdminServer} on a free loopback port and {@code <dir>/admin.sock}, with a short DOWN threshold.
 * Fast timings (flush 0.2 s, backoff 100-300 ms, no shutdown grace), a put timeout of 2 s. Its TCP listeners need {@link #TOKEN};
 * {@link #http} sends it as the admin bearer token. Close to stop everything.
 */
public final class RunningAgent implements AutoCloseable {
    public static final String TOKEN = "running-agent-test-token";
    public final FaultProxy proxy;
    public final AgentConfig config;
    public final SpoolAgent agent;
    public final SocketServer ingest;
    public final AdminServer admin;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private boolean closed;

    private RunningAgent(ClickHouseEndpoint ch, Path dir, String db, Duration downAfter, String... env) throws Exception {
        proxy = FaultProxy.inFrontOf(ch);
        open.add(proxy);
        try {
            List<String> kv = new ArrayList<>(List.of("CH_URL", proxy.url(), "CH_USER", ch.user(),
                    "CH_PASS", ch.password() == null ? "" : ch.password(), "CH_DB", db,
                    "CH_SOCKET", dir.resolve("put.sock").toString(), "CH_NAMESPACE", "test",
                    "CH_FLUSH_INTERVAL_S", "0.2", "CH_BACKOFF_INITIAL_MS", "100", "CH_BACKOFF_MAX_MS", "300",
                    "CH_CONNECT_TIMEOUT_MS", "1000", "CH_SHUTDOWN_GRACE_S", "0", "CH_AUTH_TOKEN", TOKEN,
                    // Tests that put and expect an ack: a loaded CI host must not turn a 100 ms put timeout into busy.
                    "CH_PUT_TIMEOUT_MS", "2000",
                    "CH_ADMIN_LISTEN", "127.0.0.1:0", "CH_HTTP_LISTEN", "127.0.0.1:0", "CH_DOWN_AFTER_S", String.valueOf(downAfter.toMillis() / 1000.0)));
            kv.addAll(List.of(env));
            config = TestConfigs.forDir(dir, kv.toArray(String[]::new));
            agent = SpoolAgent.start(config);
            open.add(agent);
            ingest = agent.ingest();
            admin = agent.admin();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    public static RunningAgent start(ClickHouseEndpoint ch, Path dir, String db, Duration downAfter, String... env)
            throws Exception {
        return new RunningAgent(ch, dir, db, downAfter, env);
    }

    public String adminUrl() {
        return "http://127.0.0.1:" + admin.port();
    }

    /** A request to the admin endpoint over TCP, with the token as a bearer (every route). */
    public HttpResponse<String> http(String method, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(adminUrl() + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + config.authToken().reveal())
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request to the admin endpoint over TCP without credentials (the open routes only). */
    public HttpResponse<String> httpAnonymous(String method, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(adminUrl() + path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Stops admin, intake, agent and proxy, in that order. Idempotent. */
    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }
}
