package org.chspool.http;

import org.chspool.clickhouse.ClickHouseCode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;
import org.chspool.config.Secret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one HTTP request the way ClickHouse's HTTP interface would, for the subset the agent takes:
 * {@code GET /ping} and {@code GET /} ({@code Ok.}), {@code SELECT 1}, and
 * {@code INSERT … FORMAT F} (the formats of {@link org.chspool.http.formats.InputFormat}) with the statement
 * in {@code query=} and/or at the head of the body, the body plain or compressed (Content-Encoding gzip,
 * deflate, zstd, lz4; {@code decompress=1} block framing). The INSERT is answered 200 only once every row
 * is committed to the spool; every failure is answered in ClickHouse's error shape (status,
 * {@code X-ClickHouse-Exception-Code}, {@code Code: N. DB::Exception: …}). Input-format settings among the
 * URL parameters travel with the rows; other parameters besides {@code query}, {@code database},
 * {@code query_id}, {@code password} and {@code decompress} (server settings such as {@code async_insert})
 * are accepted and ignored.
 *
 * <p>Threading: runs on the server's handler threads; stateless apart from the shared, thread-safe
 * collaborators.
 */
final class RequestHandler implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);

    private final InsertExecutor inserts;
    private final Secret token;
    private final long maxBodyBytes;
    private final HttpCounters counters;
    private final BooleanSupplier closing;

    RequestHandler(InsertExecutor inserts, Secret token, long maxBodyBytes, HttpCounters counters, BooleanSupplier closing) {
        this.inserts = inserts;
        this.token = token;
        this.maxBodyBytes = maxBodyBytes;
        this.counters = counters;
        this.closing = closing;
    }

    @Override
    public void handle(HttpExchange ex) {
        counters.request();
        Map<String, String> params = Map.of();
        try {
            params = params(ex.getRequestURI().getRawQuery());
            serve(ex, params);
        } catch (HttpError e) {
            counters.error(e.code());
            sendError(ex, params, e);
        } catch (IOException e) {
            // Reading the request failed (the client went away, or sent a broken body): nothing was appended.
            // It is answered all the same; if the client is gone, sending fails quietly.
            log.debug("HTTP request from {} ended: {}", ex.getRemoteAddress(), e.toString());
            counters.error(ClickHouseCode.CANNOT_READ_ALL_DATA);
            sendError(ex, params, new HttpError(ClickHouseCode.CANNOT_READ_ALL_DATA, "cannot read the request body: " + e
                    + "; nothing of this request was spooled"));
        } catch (RuntimeException e) {
            log.error("HTTP request failed unexpectedly", e);
            counters.error(ClickHouseCode.SYSTEM_ERROR);
            sendError(ex, params, new HttpError(ClickHouseCode.SYSTEM_ERROR, "internal error: " + e));
        } finally {
            ex.close();
        }
    }

    private void serve(HttpExchange ex, Map<String, String> params) throws HttpError, IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (log.isDebugEnabled()) { // parameter names only: values may hold a password
            log.debug("{} {} params={} Content-Encoding={} Transfer-Encoding={}", method, path, params.keySet(),
                    ex.getRequestHeaders().getFirst("Content-Encoding"), ex.getRequestHeaders().getFirst("Transfer-Encoding"));
        }
        if (path.equals("/ping") || (path.equals("/") && method.equals("GET") && !params.containsKey("query"))) {
            sendText(ex, params, 200, "Ok.\n");
            return;
        }
        if (!path.equals("/")) {
            throw new HttpError(ClickHouseCode.NOT_IMPLEMENTED, "There is no handle " + path
                    + "; the spool agent serves / and /ping");
        }
        if (!method.equals("GET") && !method.equals("POST")) {
            throw new HttpError(ClickHouseCode.NOT_IMPLEMENTED, "HTTP method " + method + " is not supported; use POST");
        }
        Credentials.check(ex, params, token);
        if (closing.getAsBoolean()) {
            throw new HttpError(ClickHouseCode.ABORTED, "shutting_down: the agent is shutting down; retry shortly", 1000);
        }
        try {
            InputStream body = method.equals("GET") ? InputStream.nullInputStream() : body(ex, params);
            StatementReader.Result r = StatementReader.read(params.get("query"), body);
            if (r.parsed() instanceof StatementParser.Answer a) {
                sendText(ex, params, 200, a.body());
                return;
            }
            if (method.equals("GET")) {
                throw new HttpError(ClickHouseCode.NOT_IMPLEMENTED, "INSERT needs a POST request");
            }
            InsertStatement insert = ((StatementParser.Insert) r.parsed()).statement();
            InsertExecutor.Result done = inserts.run(insert, database(ex, params), params, r.data());
            counters.inserted(done.rows());
            sendInserted(ex, params, done);
        } catch (BoundedInputStream.TooLarge e) {
            throw new HttpError(ClickHouseCode.TOO_MANY_BYTES, e.getMessage() + "; nothing was spooled");
        } catch (ZipException | EOFException | NativeBlockInputStream.Undecodable | com.github.luben.zstd.ZstdIOException
                 | net.jpountz.lz4.LZ4Exception e) {
            throw new HttpError(ClickHouseCode.CANNOT_DECOMPRESS, "cannot decompress the request body ("
                    + ex.getRequestHeaders().getFirst("Content-Encoding") + "): " + e.getMessage() + "; nothing was spooled");
        }
    }

    private InputStream body(HttpExchange ex, Map<String, String> params) throws HttpError, IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > maxBodyBytes) {
            throw new HttpError(ClickHouseCode.TOO_MANY_BYTES, "the request body is " + length + " bytes; the limit is "
                    + maxBodyBytes + " (CH_HTTP_MAX_BODY_BYTES)");
        }
        InputStream in = ex.getRequestBody();
        String enc = ex.getRequestHeaders().getFirst("Content-Encoding");
        String e = enc == null ? "" : enc.trim().toLowerCase(Locale.ROOT);
        InputStream decoded = switch (e) {
            case "", "identity", "none" -> in;
            case "gzip", "x-gzip" -> new GZIPInputStream(in, 1 << 16);
            case "deflate" -> new InflaterInputStream(in, new java.util.zip.Inflater(), 1 << 16);
            case "zstd" -> new com.github.luben.zstd.ZstdInputStream(in);
            case "lz4" -> new net.jpountz.lz4.LZ4FrameInputStream(in);
            default -> throw new HttpError(ClickHouseCode.NOT_IMPLEMENTED, "Content-Encoding " + enc
                    + " is not supported by the spool agent; use gzip, deflate, zstd or lz4, or none");
        };
        if ("1".equals(params.get("decompress"))) {
            decoded = new NativeBlockInputStream(decoded); // ClickHouse's own block framing, inside any HTTP encoding
        }
        return new BoundedInputStream(decoded, maxBodyBytes);
    }

    private static String database(HttpExchange ex, Map<String, String> params) {
        String db = params.get("database");
        return db != null ? db : ex.getRequestHeaders().getFirst("X-ClickHouse-Database");
    }

    static Map<String, String> params(String rawQuery) throws HttpError {
        Map<String, String> out = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        try {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.putIfAbsent(k, v);
            }
        } catch (IllegalArgumentException e) {
            throw new HttpError(ClickHouseCode.SYNTAX_ERROR, "malformed URL parameters: " + e.getMessage());
        }
        return out;
    }

    private static void sendInserted(HttpExchange ex, Map<String, String> params, InsertExecutor.Result done)
            throws IOException {
        Headers h = ex.getResponseHeaders();
        h.set("X-ClickHouse-Summary", "{\"read_rows\":\"0\",\"read_bytes\":\"0\",\"written_rows\":\"" + done.rows()
                + "\",\"written_bytes\":\"" + done.bytes() + "\",\"total_rows_to_read\":\"0\",\"result_rows\":\""
                + done.rows() + "\",\"result_bytes\":\"" + done.bytes() + "\"}");
        sendText(ex, params, 200, "");
    }

    private static void sendText(HttpExchange ex, Map<String, String> params, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        Headers h = ex.getResponseHeaders();
        h.set("Content-Type", "text/plain; charset=UTF-8");
        h.set("X-ClickHouse-Query-Id", params.getOrDefault("query_id", UUID.randomUUID().toString()));
        if (!ex.getRequestMethod().equals("HEAD") && body.length > 0) {
            h.set("X-ClickHouse-Format", "TabSeparated");
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } else {
            ex.sendResponseHeaders(status, -1);
        }
    }

    private static void sendError(HttpExchange ex, Map<String, String> params, HttpError e) {
        try {
            Headers h = ex.getResponseHeaders();
            h.set("X-ClickHouse-Exception-Code", String.valueOf(e.code().number()));
            if (e.code() == ClickHouseCode.AUTHENTICATION_FAILED) {
                h.set("WWW-Authenticate", "Basic realm=\"chspool\", charset=\"UTF-8\"");
            }
            if (e.retryAfterMs() > 0) {
                h.set("Retry-After", String.valueOf((e.retryAfterMs() + 999) / 1000));
            }
            byte[] body = e.body();
            h.set("Content-Type", "text/plain; charset=UTF-8");
            h.set("X-ClickHouse-Query-Id", params.getOrDefault("query_id", UUID.randomUUID().toString()));
            ex.sendResponseHeaders(AnswerCodes.httpStatus(e.code()), body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException io) {
            log.debug("cannot send the error response to {}: {}", ex.getRemoteAddress(), io.toString());
        }
    }
}
