package org.chspool.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.chspool.config.AgentConfig;
import org.chspool.spool.ImportMark;
import org.chspool.spool.Rejection;
import org.chspool.spool.RowJson;
import org.chspool.spool.TableName;

/**
 * Protocol v1 in both directions: turns one request line into a {@link Request} in a single streaming
 * pass (rows are validated and compacted by {@link RowJson} as they are read, no tree is built) and
 * formats the one response line each request gets. See {@code docs/protocol.md}.
 *
 * <p>The first problem found decides the error; parsing continues past it (skipping values) only to
 * find the request's {@code "id"}, so an error echoes the id wherever it appears on the line. Malformed
 * JSON stops parsing at once: its error echoes the id only if it came before the damage.
 *
 * <p>Thread-safe and stateless apart from configuration; one instance serves every connection.
 */
final class LineProtocol {
    /** The protocol version this agent speaks; requests may state it as {@code "protocol":1}. */
    static final int VERSION = 1;
    static final int MAX_ID_CHARS = 256;
    private static final int MAX_MESSAGE_CHARS = 512;
    private static final byte[] NEWLINE_END = "}\n".getBytes(StandardCharsets.US_ASCII);

    private final RowJson rowJson;
    private final String database;
    private final Set<String> allowed;

    LineProtocol(AgentConfig config) {
        this(new RowJson(config.maxRowBytes()), config.database(), config.allowedDatabases());
    }

    LineProtocol(RowJson rowJson, String database, Set<String> allowed) {
        this.rowJson = rowJson;
        this.database = database;
        this.allowed = allowed;
    }

    /** Parses one line (without its newline). Never throws: every failure is an {@link Request.Invalid}. */
    Request parse(byte[] buf, int off, int len) {
        Fields f = new Fields();
        try (JsonParser p = RowJson.FACTORY.createParser(buf, off, len)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                return new Request.Invalid(ErrorCode.BAD_REQUEST, "a request must be a JSON object", null);
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                field(p, name, f);
            }
            if (p.nextToken() != null) {
                f.error(ErrorCode.BAD_REQUEST, "one JSON object per line: unexpected content after the request");
            }
        } catch (JsonProcessingException e) {
            return new Request.Invalid(ErrorCode.BAD_JSON, "malformed JSON: " + e.getOriginalMessage(), f.id);
        } catch (IOException e) {
            // Parsing an in-memory array: only the JSON itself can be wrong.
            return new Request.Invalid(ErrorCode.BAD_JSON, "malformed JSON: " + e.getMessage(), f.id);
        }
        return f.toRequest();
    }

    /**
     * Parses a line sent before authentication: only {@code {"auth":"..."}} is acceptable, and rows are
     * never looked at. Returns null when the line is anything else.
     */
    Request.Auth parseAuth(byte[] buf, int off, int len) {
        try (JsonParser p = RowJson.FACTORY.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME
                    || !"auth".equals(p.currentName()) || p.nextToken() != JsonToken.VALUE_STRING) {
                return null;
            }
            String token = p.getText();
            return p.nextToken() == JsonToken.END_OBJECT && p.nextToken() == null ? new Request.Auth(token, null) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private void field(JsonParser p, String name, Fields f) throws IOException {
        switch (name) {
            case "id" -> f.id = encodeId(p, f);
            case "table" -> {
                if (p.currentToken() != JsonToken.VALUE_STRING) {
                    f.error(ErrorCode.BAD_REQUEST, "\"table\" must be a string");
                    p.skipChildren();
                } else {
                    f.table = p.getText();
                }
            }
            case "row", "rows" -> rows(p, name, f);
            case "ping" -> {
                f.ping = true;
                if (p.currentToken() != JsonToken.VALUE_TRUE) {
                    f.error(ErrorCode.BAD_REQUEST, "\"ping\" must be true");
                    p.skipChildren();
                }
            }
            case "auth" -> {
                if (p.currentToken() != JsonToken.VALUE_STRING) {
                    f.error(ErrorCode.BAD_REQUEST, "\"auth\" must be a string");
                    p.skipChildren();
                } else {
                    f.auth = p.getText();
                }
            }
            case "created_us" -> createdUs(p, f);
            case "import" -> importMark(p, f);
            case "import_progress" -> {
                if (p.currentToken() != JsonToken.VALUE_STRING || p.getText().isEmpty()
                        || p.getText().length() > ImportMark.MAX_CHARS) {
                    f.error(ErrorCode.BAD_REQUEST, "\"import_progress\" must be a file identity string of 1 to "
                            + ImportMark.MAX_CHARS + " characters");
                    p.skipChildren();
                } else {
                    f.importProgress = p.getText();
                }
            }
            case "protocol" -> {
                if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || !"1".equals(p.getText())) {
                    f.error(ErrorCode.BAD_REQUEST, "unsupported protocol version " + shorten(p.getText())
                            + "; this agent speaks protocol " + VERSION);
                    p.skipChildren();
                }
            }
            default -> {
                f.error(ErrorCode.BAD_REQUEST, "unknown field " + quote(name));
                p.skipChildren();
            }
        }
    }

    private void rows(JsonParser p, String name, Fields f) throws IOException {
        if (f.rows != null) {
            f.error(ErrorCode.BAD_REQUEST, "give either \"row\" or \"rows\", once");
        }
        if (f.failed()) {
            p.skipChildren();
            return;
        }
        List<byte[]> rows = new ArrayList<>(name.equals("row") ? 1 : 16);
        f.rows = rows;
        try {
            if (name.equals("row")) {
                add(rows, rowJson.compactObject(p), f);
                return;
            }
            if (p.currentToken() != JsonToken.START_ARRAY) {
                f.error(ErrorCode.BAD_REQUEST, "\"rows\" must be an array of objects");
                p.skipChildren();
                return;
            }
            while (p.nextToken() != JsonToken.END_ARRAY) {
                add(rows, rowJson.compactObject(p), f);
            }
            if (rows.isEmpty()) {
                f.error(ErrorCode.BAD_REQUEST, "\"rows\" is empty");
            }
        } catch (Rejection r) {
            f.error(ErrorCode.of(r.reason()), "row " + (rows.size() + 1) + ": " + r.getMessage());
            // Leave the parser where a completed value would have: back at the request object's level.
            while (p.getParsingContext().getNestingDepth() > 1) {
                if (p.nextToken() == null) {
                    throw new com.fasterxml.jackson.core.JsonParseException(p, "unexpected end of input");
                }
            }
        }
    }

    /** {@code "created_us":[t1,t2,…]}: each row's created time in microseconds (an import keeps the old ones). */
    private static void createdUs(JsonParser p, Fields f) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            f.error(ErrorCode.BAD_REQUEST, "\"created_us\" must be an array of integers, one per row");
            p.skipChildren();
            return;
        }
        long[] out = new long[16];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    || p.getLongValue() < 0) {
                f.error(ErrorCode.BAD_REQUEST, "\"created_us\" must hold non-negative integers (microseconds)");
                p.skipChildren();
                continue;
            }
            if (n == out.length) {
                out = java.util.Arrays.copyOf(out, n * 2);
            }
            out[n++] = p.getLongValue();
        }
        f.createdUs = java.util.Arrays.copyOf(out, n);
    }

    /** {@code "import":{"source":S,"table":T,"after":A,"last":L}}, see {@link ImportMark}. */
    private static void importMark(JsonParser p, Fields f) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            f.error(ErrorCode.BAD_REQUEST, "\"import\" must be an object {\"source\",\"table\",\"after\",\"last\"}");
            p.skipChildren();
            return;
        }
        String source = null;
        String table = null;
        long after = -1;
        long last = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "source" -> source = t == JsonToken.VALUE_STRING ? p.getText() : null;
                case "table" -> table = t == JsonToken.VALUE_STRING ? p.getText() : null;
                case "after" -> after = t == JsonToken.VALUE_NUMBER_INT ? p.getValueAsLong(-1) : -1;
                case "last" -> last = t == JsonToken.VALUE_NUMBER_INT ? p.getValueAsLong(-1) : -1;
                default -> {
                    f.error(ErrorCode.BAD_REQUEST, "unknown field " + quote(name) + " in \"import\"");
                    p.skipChildren();
                }
            }
        }
        try {
            f.mark = new ImportMark(source, table, after, last);
        } catch (IllegalArgumentException e) {
            f.error(ErrorCode.BAD_REQUEST, "\"import\": " + e.getMessage());
        }
    }

    private static void add(List<byte[]> rows, byte[] row, Fields f) {
        rows.add(row);
        f.bytes += row.length;
    }

    private static byte[] encodeId(JsonParser p, Fields f) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            String text = p.getText();
            if (text.length() > MAX_ID_CHARS) {
                f.error(ErrorCode.BAD_REQUEST, "\"id\" is longer than " + MAX_ID_CHARS + " characters");
                return null;
            }
            return t == JsonToken.VALUE_STRING ? quoteUtf8(text) : text.getBytes(StandardCharsets.US_ASCII);
        }
        f.error(ErrorCode.BAD_REQUEST, "\"id\" must be a string or a number");
        p.skipChildren();
        return null;
    }

    /** What the fields of one request said, and the first problem with them. */
    private final class Fields {
        byte[] id;
        String table;
        List<byte[]> rows;
        long bytes;
        boolean ping;
        String auth;
        long[] createdUs;
        ImportMark mark;
        String importProgress;
        ErrorCode errorCode;
        String errorMessage;

        void error(ErrorCode code, String message) {
            if (errorCode == null) {
                errorCode = code;
                errorMessage = message;
                rows = null; // release what was parsed; the request fails as a whole
            }
        }

        boolean failed() {
            return errorCode != null;
        }

        Request toRequest() {
            boolean put = table != null || rows != null || createdUs != null || mark != null;
            if (!failed() && importProgress != null && (put || ping || auth != null)) {
                error(ErrorCode.BAD_REQUEST, "\"import_progress\" must be sent alone");
            } else if (!failed() && (auth != null) && (put || ping)) {
                error(ErrorCode.BAD_REQUEST, "\"auth\" must be sent alone");
            } else if (!failed() && ping && put) {
                error(ErrorCode.BAD_REQUEST, "\"ping\" must be sent alone");
            }
            if (failed()) {
                return new Request.Invalid(errorCode, errorMessage, id);
            }
            if (auth != null) {
                return new Request.Auth(auth, id);
            }
            if (ping) {
                return new Request.Ping(id);
            }
            if (importProgress != null) {
                return new Request.ImportProgress(importProgress, id);
            }
            if (table == null) {
                return new Request.Invalid(ErrorCode.BAD_REQUEST, "missing \"table\"", id);
            }
            if (rows == null) {
                return new Request.Invalid(ErrorCode.BAD_REQUEST, "missing \"row\" or \"rows\"", id);
            }
            if (createdUs != null && createdUs.length != rows.size()) {
                return new Request.Invalid(ErrorCode.BAD_REQUEST, "\"created_us\" has " + createdUs.length
                        + " times for " + rows.size() + " rows", id);
            }
            try {
                return new Request.Put(TableName.parse(table, database, allowed), rows, bytes, id, createdUs, mark);
            } catch (Rejection r) {
                return new Request.Invalid(ErrorCode.of(r.reason()), r.getMessage(), id);
            }
        }
    }

    // ---- responses ----

    /** {@code {"ok":true,"n":N}} with the id if any. */
    static byte[] ok(int n, byte[] id) {
        StringBuilder sb = new StringBuilder(32).append("{\"ok\":true,\"n\":").append(n);
        return finish(sb, id);
    }

    /** {@code {"ok":true,"progress":{"<table>":<last id>,…}}}: the answer to an import_progress request. */
    static byte[] progress(java.util.Map<String, Long> lastIds, byte[] id) {
        StringBuilder sb = new StringBuilder(64).append("{\"ok\":true,\"progress\":{");
        boolean first = true;
        for (java.util.Map.Entry<String, Long> e : lastIds.entrySet()) {
            sb.append(first ? "\"" : ",\"");
            JsonStringEncoder.getInstance().quoteAsString(e.getKey(), sb);
            sb.append("\":").append(e.getValue());
            first = false;
        }
        return finish(sb.append('}'), id);
    }

    static byte[] pong(byte[] id) {
        return finish(new StringBuilder(32).append("{\"ok\":true,\"pong\":true"), id);
    }

    /** The answer to a successful {@code auth}. */
    static byte[] authenticated(byte[] id) {
        return finish(new StringBuilder(16).append("{\"ok\":true"), id);
    }

    /** An error line; {@code retryAfterMs} is written when positive. */
    static byte[] error(ErrorCode code, String message, long retryAfterMs, byte[] id) {
        StringBuilder sb = new StringBuilder(96).append("{\"ok\":false,\"error\":\"").append(code.code())
                .append("\",\"message\":\"");
        JsonStringEncoder.getInstance().quoteAsString(shorten(message), sb);
        sb.append('"');
        if (retryAfterMs > 0) {
            sb.append(",\"retry_after_ms\":").append(retryAfterMs);
        }
        return finish(sb, id);
    }

    private static byte[] finish(StringBuilder sb, byte[] id) {
        byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
        int idLen = id == null ? 0 : id.length + 6; // ,"id":
        byte[] out = new byte[head.length + idLen + NEWLINE_END.length];
        System.arraycopy(head, 0, out, 0, head.length);
        int pos = head.length;
        if (id != null) {
            byte[] key = ",\"id\":".getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(key, 0, out, pos, key.length);
            System.arraycopy(id, 0, out, pos + key.length, id.length);
            pos += idLen;
        }
        System.arraycopy(NEWLINE_END, 0, out, pos, NEWLINE_END.length);
        return out;
    }

    private static byte[] quoteUtf8(String s) {
        byte[] body = JsonStringEncoder.getInstance().quoteAsUTF8(s);
        byte[] out = new byte[body.length + 2];
        out[0] = '"';
        System.arraycopy(body, 0, out, 1, body.length);
        out[out.length - 1] = '"';
        return out;
    }

    private static String shorten(String s) {
        if (s == null) {
            return "";
        }
        return s.length() > MAX_MESSAGE_CHARS ? s.substring(0, MAX_MESSAGE_CHARS) + "…" : s;
    }

    private static String quote(String s) {
        return "'" + shorten(s).replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
