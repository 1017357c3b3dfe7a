package org.chspool.http;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.chspool.config.AgentConfig;
import org.chspool.spool.Spool;
import org.chspool.spool.SpoolBatch;
import org.chspool.spool.TableName;
import org.chspool.testing.TestConfigs;

/**
 * A real spool in a temp dir behind an {@link HttpInsertServer} on a free loopback port, for tests. The
 * endpoint needs a token ({@link #TOKEN} unless the test sets {@code CH_AUTH_TOKEN}); {@link #post} and
 * {@link #get} send it as {@code X-ClickHouse-Key}, {@link #postAnonymous} sends only what it is given.
 */
final class HttpFixture implements AutoCloseable {
    static final String TOKEN = "http-test-token";

    final AgentConfig config;
    final Spool spool;
    final HttpInsertServer server;
    final HttpClient client = HttpClient.newHttpClient();

    private HttpFixture(AgentConfig config, HttpLimits limits) throws IOException {
        this.config = config;
        this.spool = Spool.open(config);
        this.server = limits == null ? new HttpInsertServer(config, spool) : new HttpInsertServer(config, spool, limits);
        server.start();
    }

    static HttpFixture start(Path dir, String... env) throws IOException {
        return new HttpFixture(config(dir, env), null);
    }

    static HttpFixture start(Path dir, HttpLimits limits, String... env) throws IOException {
        return new HttpFixture(config(dir, env), limits);
    }

    static AgentConfig config(Path dir, String... env) {
        String[] all = new String[env.length + 4];
        all[0] = "CH_HTTP_LISTEN";
        all[1] = "127.0.0.1:0";
        all[2] = "CH_AUTH_TOKEN";
        all[3] = TOKEN;
        System.arraycopy(env, 0, all, 4, env.length);
        return TestConfigs.forDir(dir, all);
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    HttpResponse<String> post(String pathAndQuery, String body, String... headers) throws Exception {
        return post(pathAndQuery, body.getBytes(StandardCharsets.UTF_8), headers);
    }

    HttpResponse<String> post(String pathAndQuery, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(pathAndQuery)).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("X-ClickHouse-Key", config.authToken().reveal());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A POST with only {@code headers}: no credentials unless they carry some. */
    HttpResponse<String> postAnonymous(String pathAndQuery, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(pathAndQuery))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String pathAndQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(pathAndQuery)).GET()
                .header("X-ClickHouse-Key", config.authToken().reveal()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A GET without credentials. */
    HttpResponse<String> getAnonymous(String pathAndQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(pathAndQuery)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Rows committed for {@code table} (default database), oldest first. */
    List<String> rows(String table) throws Exception {
        SpoolBatch b = spool.reader().oldest(TableName.parse(table, config.database(), config.allowedDatabases()),
                10_000_000, Long.MAX_VALUE);
        return b.payloads().stream().map(p -> new String(p, StandardCharsets.UTF_8)).toList();
    }

    @Override
    public void close() throws IOException {
        server.stopAccepting();
        spool.close();
        server.close();
    }
}
