package org.chspool.clickhouse;

import com.clickhouse.client.api.ServerException;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that decides what a failed request to ClickHouse means: whether retrying it can help
 * ({@link #kindOf}), whether the rows are to blame ({@link #blamesRows}), and what a failed lookup before
 * an insert makes of it ({@link #heldBack}). The replayer acts on these answers and never looks at codes
 * itself. Stateless, thread-safe.
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>No HTTP answer at all (refused, reset, cut, timed out, or any other client-side failure):
 *       {@code RETRYABLE}, code -1.
 *   <li>A {@link ClickHouseCode} whose fault is the rows or the table (unknown table/database/column, parse
 *       errors, type mismatch...): {@code PERMANENT}; only the rows' codes blame the rows.
 *   <li>A code whose fault is the server (overload, limits, replication, network, and also
 *       authentication/authorization: those are not a property of the batch, and retrying keeps
 *       the data spooled until an operator fixes the credentials): {@code RETRYABLE}.
 *   <li>Any other code: by HTTP status, 4xx {@code PERMANENT}, anything else {@code RETRYABLE}
 *       (an unknown 5xx is more likely the server's trouble than the data's).
 * </ol>
 * The code comes from the {@code X-ClickHouse-Exception-Code} header when the server sends it
 * (client-v2 exposes it as {@link ServerException#getCode()}); 18.16 does not, and only writes
 * {@code Code: 60, e.displayText() = ...} into the body, so the text is parsed as a fallback
 * (newer servers write {@code Code: 60. DB::Exception: ...}).
 *
 * <p>Each failure also gets its {@link ClickHouseFailure#description() words}, which lead every log line
 * and last error: {@code connection refused by http://ch-1:8123}, {@code timed out after 30 s waiting
 * for http://ch-1:8123 to answer}, {@code ClickHouse code 60 (UNKNOWN_TABLE): Table db.x does not
 * exist.}; the class, codes and the client's exception follow ({@link ClickHouseFailure#summary()}).
 */
public final class FailureClassifier {
    private static final Pattern CODE = Pattern.compile("Code:\\s*(\\d+)");
    /** A server's error text: {@code Code: 60. DB::Exception: <words> (UNKNOWN_TABLE) (version 24.8.1.1)}. */
    private static final Pattern SERVER_TEXT = Pattern.compile(
            "(?s)Code:\\s*\\d+\\s*[.,]\\s*(?:DB::Exception:\\s*)?(.*?)(?:\\s*\\(([A-Z][A-Z0-9_]+)\\))?(?:\\s*\\(version [^)]*\\))?\\s*");
    private static final Pattern PROXY_STATUS = Pattern.compile("Server returned '(\\d{3}[^']*)'");
    private static final Pattern TRANSPORT_SUFFIX = Pattern.compile("\\s*\\(transport error: \\d+\\)\\s*$");

    private FailureClassifier() {}

    /** The kind for a server answer with this code (-1 if none) and HTTP status. */
    public static ClickHouseFailure.Kind kindOf(int code, int httpStatus) {
        ClickHouseCode.Fault fault = ClickHouseCode.of(code).map(ClickHouseCode::fault).orElse(ClickHouseCode.Fault.BY_STATUS);
        return switch (fault) {
            case ROWS, TABLE -> ClickHouseFailure.Kind.PERMANENT;
            case SERVER -> ClickHouseFailure.Kind.RETRYABLE;
            case BY_STATUS -> httpStatus >= 400 && httpStatus < 500 ? ClickHouseFailure.Kind.PERMANENT
                    : ClickHouseFailure.Kind.RETRYABLE;
        };
    }

    /**
     * Whether the rows of the failed insert are what ClickHouse refused, so that splitting the batch finds
     * them (and a single one goes to the quarantine). Not so for a retryable failure, nor for a missing table
     * or database: every row would fail the same, and none is to blame; the batch waits for the table.
     */
    public static boolean blamesRows(ClickHouseFailure f) {
        if (f.isRetryable()) {
            return false;
        }
        return ClickHouseCode.of(f.code()).map(c -> c.fault() != ClickHouseCode.Fault.TABLE).orElse(true);
    }

    /**
     * A failed lookup made before an insert ({@code what}: the dedupe probe), as the insert's failure: always
     * {@code RETRYABLE}, with the lookup's code and words. A query that could not run says nothing about the
     * rows, so they are held back, never split or quarantined for it.
     */
    public static ClickHouseFailure heldBack(String what, ClickHouseFailure lookup) {
        return new ClickHouseFailure(ClickHouseFailure.Kind.RETRYABLE, lookup.code(), lookup.httpStatus(),
                what + " failed, batch held back: " + lookup.description(), lookup.getMessage(), null);
    }

    /** The first {@code Code: N} in a ClickHouse error text, or -1. */
    public static int parseCode(String text) {
        if (text == null) {
            return -1;
        }
        Matcher m = CODE.matcher(text);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Classifies a failure of {@code server} (its URL and timeouts go into the words). */
    public static ClickHouseFailure classify(Throwable thrown, ClickHouseSinkConfig server) {
        return classify(thrown, server.password(), server);
    }

    /**
     * Classifies anything thrown by client-v2 while probing or inserting, for a server not known here.
     *
     * @param password masked out of the message; a cause whose chain mentions it is dropped
     */
    public static ClickHouseFailure classify(Throwable thrown, String password) {
        return classify(thrown, password, null);
    }

    private static ClickHouseFailure classify(Throwable thrown, String password, ClickHouseSinkConfig server) {
        Throwable t = unwrap(thrown);
        ServerException answer = find(t, ServerException.class);
        if (answer != null) {
            String text = tidy(answer.getMessage());
            int code = answer.getCode() > 0 ? answer.getCode() : parseCode(text);
            int status = answer.getTransportProtocolCode() > 0 ? answer.getTransportProtocolCode() : -1;
            return new ClickHouseFailure(kindOf(code, status), code, status, redact(answerWords(code, status, text, server), password),
                    redact(text, password), safeCause(t, password));
        }
        IOException io = find(t, IOException.class);
        Throwable described = io != null ? io : t;
        String text = described.getClass().getSimpleName()
                + (described.getMessage() == null ? "" : ": " + described.getMessage());
        return new ClickHouseFailure(ClickHouseFailure.Kind.RETRYABLE, -1, -1, redact(noAnswerWords(t, server), password),
                redact(text, password), safeCause(t, password));
    }

    /** What a server's error answer says: {@code ClickHouse code 60 (UNKNOWN_TABLE): Table db.x does not exist.} */
    static String answerWords(int code, int status, String text, ClickHouseSinkConfig server) {
        Matcher m = SERVER_TEXT.matcher(text);
        String words = text;
        String name = null;
        if (m.matches()) {
            words = m.group(1);
            name = m.group(2);
        }
        if (code < 0) {
            return where(server) + " answered HTTP " + status + (words.isEmpty() ? "" : ": " + words);
        }
        return "ClickHouse code " + code + (name == null ? "" : " (" + name + ")") + (words.isEmpty() ? "" : ": " + words);
    }

    /** What happened when no answer came, from the most telling exception in the chain. */
    static String noAnswerWords(Throwable t, ClickHouseSinkConfig server) {
        String url = where(server);
        java.net.UnknownHostException unknownHost = find(t, java.net.UnknownHostException.class);
        if (unknownHost != null) {
            return "unknown host " + unknownHost.getMessage() + " (DNS) for " + url;
        }
        if (find(t, java.net.NoRouteToHostException.class) != null) {
            return "no route to host " + url;
        }
        java.net.ConnectException refused = find(t, java.net.ConnectException.class);
        if (refused != null) {
            String msg = String.valueOf(refused.getMessage());
            Matcher proxy = PROXY_STATUS.matcher(msg);
            if (proxy.find()) { // how client-v2 reports a 502/503 (a balancer or proxy with no server behind it)
                return url + " answered HTTP " + proxy.group(1) + " (a proxy or load balancer without a working server?)";
            }
            return msg.toLowerCase(java.util.Locale.ROOT).contains("refused") ? "connection refused by " + url
                    : "cannot connect to " + url + ": " + msg;
        }
        java.io.InterruptedIOException timeout = find(t, java.io.InterruptedIOException.class);
        if (timeout != null) {
            boolean connecting = timeout.getClass().getSimpleName().equals("ConnectTimeoutException")
                    || String.valueOf(timeout.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("connect");
            if (connecting) {
                return "could not connect to " + url + (server == null ? "" : " within " + seconds(server.connectTimeout()))
                        + " (connect timeout)";
            }
            return "timed out" + (server == null ? "" : " after " + seconds(server.socketTimeout())) + " waiting for "
                    + url + " to answer (the insert may have been committed; it is retried as the same block)";
        }
        IOException io = find(t, IOException.class);
        if (io != null && io.getClass().getSimpleName().equals("NoHttpResponseException")) {
            return url + " closed the connection without answering";
        }
        java.net.SocketException socket = find(t, java.net.SocketException.class);
        if (socket != null && String.valueOf(socket.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("reset")) {
            return "connection reset by " + url;
        }
        javax.net.ssl.SSLException tls = find(t, javax.net.ssl.SSLException.class);
        if (tls != null) {
            return "TLS with " + url + " failed: " + tls.getMessage();
        }
        Throwable described = io != null ? io : t;
        return "no answer from " + url + ": " + described.getClass().getSimpleName()
                + (described.getMessage() == null ? "" : ": " + described.getMessage());
    }

    private static String where(ClickHouseSinkConfig server) {
        return server == null ? "the server" : server.url();
    }

    private static String seconds(java.time.Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** Replaces the password (raw and URL-encoded) with {@code ****}. */
    public static String redact(String text, String password) {
        if (text == null || password == null || password.isEmpty()) {
            return text;
        }
        String encoded = URLEncoder.encode(password, StandardCharsets.UTF_8);
        return text.replace(password, "****").replace(encoded, "****");
    }

    /** 18.16's {@code Code: 60, e.displayText() = DB::Exception: X, e.what() = DB::Exception} to {@code Code: 60, DB::Exception: X}. */
    static String tidy(String text) {
        if (text == null) {
            return "";
        }
        String s = TRANSPORT_SUFFIX.matcher(text).replaceFirst("");
        return s.replace("e.displayText() = ", "").replace(", e.what() = DB::Exception", "").strip();
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    private static Throwable safeCause(Throwable t, String password) {
        if (password == null || password.isEmpty()) {
            return t;
        }
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (String.valueOf(c.getMessage()).contains(password)) {
                return null;
            }
        }
        return t;
    }
}
