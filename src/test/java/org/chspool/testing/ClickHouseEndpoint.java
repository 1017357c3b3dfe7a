package org.chspool.testing;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * A real ClickHouse HTTP endpoint for integration tests, plus a tiny SQL helper that talks to it
 * through plain {@link HttpClient} so that assertions never depend on the code under test.
 *
 * <p>Obtain one through {@link ClickHouseServerExtension} (parameter injection). Instances are
 * immutable and thread-safe; the helper methods may be called from any thread.
 */
public final class ClickHouseEndpoint {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String url;
    private final String user;
    private final String password;
    private final HttpClient http;

    public ClickHouseEndpoint(String url, String user, String password) {
        this.url = stripTrailingSlash(url);
        this.user = user == null || user.isEmpty() ? "default" : user;
        this.password = password == null ? "" : password;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * Parses {@code http://user:pass@host:8123} or {@code http://host:8123} (user {@code default},
     * empty password); user and password may be percent-encoded.
     */
    public static ClickHouseEndpoint parse(String spec) {
        URI uri = URI.create(spec.trim());
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL: " + uri.getHost());
        }
        String user = "default";
        String password = "";
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? "" : decode(info.substring(colon + 1));
        }
        int port = uri.getPort() < 0 ? 8123 : uri.getPort();
        return new ClickHouseEndpoint(uri.getScheme() + "://" + uri.getHost() + ":" + port, user, password);
    }

    /** Base URL without credentials, e.g. {@code http://127.0.0.1:34567}. */
    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** Host part of {@link #url()}. */
    public String host() {
        return URI.create(url).getHost();
    }

    /** Port part of {@link #url()}. */
    public int port() {
        return URI.create(url).getPort();
    }

    /**
     * Runs one statement and returns the response body (TabSeparated unless the SQL says otherwise).
     *
     * @throws IllegalStateException with the server's error text when the status is not 200
     */
    public String query(String sql) {
        return query(sql, Map.of());
    }

    /**
     * Runs one statement with query-level settings (sent as URL parameters, e.g.
     * {@code insert_distributed_sync=1}); the SQL may carry data after {@code FORMAT ...} and a newline.
     *
     * @throws IllegalStateException with the server's error text when the status is not 200
     */
    public String query(String sql, Map<String, String> settings) {
        StringBuilder target = new StringBuilder(url).append('/');
        char sep = '?';
        for (Map.Entry<String, String> e : settings.entrySet()) {
            target.append(sep).append(encode(e.getKey())).append('=').append(encode(e.getValue()));
            sep = '&';
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(target.toString()))
                .timeout(TIMEOUT)
                .header("Authorization", basicAuth())
                .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("ClickHouse at " + url + " unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while querying " + url, e);
        }
        if (response.statusCode() != 200) {
            String shown = sql.length() > 300 ? sql.substring(0, 300) + "..." : sql; // inserts carry data
            throw new IllegalStateException("HTTP " + response.statusCode() + " for [" + shown + "]: "
                    + response.body().trim());
        }
        return response.body();
    }

    /** Runs a statement whose output is not needed (DDL, INSERT ... VALUES). */
    public void exec(String sql) {
        query(sql);
    }

    /** {@code SELECT count() FROM dbTable}. */
    public long count(String dbTable) {
        return Long.parseLong(query("SELECT count() FROM " + dbTable).trim());
    }

    /** Creates the database if missing and returns its name, for chaining. */
    public String createDatabase(String name) {
        exec("CREATE DATABASE IF NOT EXISTS " + name);
        return name;
    }

    /** Whether {@code GET /ping} answers {@code Ok.} right now. */
    public boolean ping() {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(url + "/ping")).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String toString() {
        return "ClickHouseEndpoint[" + url + ", user=" + user + "]";
    }

    private String basicAuth() {
        String raw = user + ":" + password;
        return "Basic " + Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String stripTrailingSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
