package org.chspool.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.chspool.util.Threads;

/**
 * Talks to an agent's admin endpoint: over its Unix socket (HTTP/1.0, one request per connection) when
 * one exists, else over HTTP. {@link #connect} picks the first address that answers and sticks to it.
 * Over HTTP it sends the agent's token as {@code Authorization: Bearer} when the target knows it (every
 * route but {@code /status /metrics /healthz} needs it there); the socket needs none.
 * Not thread-safe; one per command.
 */
final class AdminClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(
            Threads.named("spoolctl-watchdog"));

    /** An HTTP answer: status code and body text. */
    record Response(int status, String body) {
        boolean ok() {
            return status / 100 == 2;
        }
    }

    private final Path socket;
    private final URI url;
    private final String token;
    private HttpClient http;

    private AdminClient(Path socket, URI url, String token) {
        this.socket = socket;
        this.url = url;
        this.token = token;
    }

    /** The first of the target's admin addresses that answers {@code GET /healthz}. */
    static AdminClient connect(AgentLocation target) throws AgentUnreachableException {
        StringBuilder problems = new StringBuilder();
        for (Path p : target.adminSockets()) {
            if (!java.nio.file.Files.exists(p)) {
                problems.append("; no socket ").append(p);
                continue;
            }
            AdminClient c = new AdminClient(p, null, null);
            if (c.answers(problems)) {
                return c;
            }
        }
        for (URI u : target.adminUrls()) {
            AdminClient c = new AdminClient(null, u, target.token());
            if (c.answers(problems)) {
                return c;
            }
        }
        throw new AgentUnreachableException("no agent answers (" + (problems.length() == 0 ? "no admin address configured" : problems.substring(2)) + ")");
    }

    private boolean answers(StringBuilder problems) {
        try {
            get("/healthz", CONNECT_TIMEOUT.multipliedBy(5));
            return true;
        } catch (IOException e) {
            problems.append("; ").append(where()).append(": ").append(e.getMessage() == null ? e : e.getMessage());
            return false;
        }
    }

    String where() {
        return socket != null ? socket.toString() : url.toString();
    }

    Response get(String path, Duration timeout) throws IOException {
        return call("GET", path, timeout);
    }

    Response post(String path, Duration timeout) throws IOException {
        return call("POST", path, timeout);
    }

    private Response call(String method, String path, Duration timeout) throws IOException {
        try {
            return socket != null ? overSocket(method, path, timeout) : overHttp(method, path, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private Response overHttp(String method, String path, Duration timeout) throws IOException, InterruptedException {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(url.resolve(path)).timeout(timeout)
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            req.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Response(r.statusCode(), r.body());
    }

    private Response overSocket(String method, String path, Duration timeout) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ScheduledFuture<?> deadline = WATCHDOG.schedule(() -> closeQuietly(ch), timeout.toMillis(), TimeUnit.MILLISECONDS);
        try (ch) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(ch);
            out.write((method + " " + path + " HTTP/1.0\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = Channels.newInputStream(ch);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return parse(all.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            if (deadline.isDone()) {
                throw new IOException("no answer within " + timeout.toMillis() + " ms", e);
            }
            throw e;
        } finally {
            deadline.cancel(false);
        }
    }

    static Response parse(String raw) throws IOException {
        int headEnd = raw.indexOf("\r\n\r\n");
        if (!raw.startsWith("HTTP/") || headEnd < 0) {
            throw new IOException("not an HTTP response");
        }
        String[] status = raw.substring(0, raw.indexOf("\r\n")).split(" ");
        try {
            return new Response(Integer.parseInt(status[1]), raw.substring(headEnd + 4));
        } catch (RuntimeException e) {
            throw new IOException("bad status line: " + status[0], e);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
