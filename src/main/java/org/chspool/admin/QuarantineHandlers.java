package org.chspool.admin;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.chspool.spool.InsertShape;
import org.chspool.spool.QuarantinedRow;
import org.chspool.spool.Rejection;
import org.chspool.spool.ShapedPayload;
import org.chspool.spool.TableName;

/**
 * The quarantine routes of the admin endpoint:
 * <ul>
 * <li>{@code GET /quarantine?table=T&limit=N} — the oldest quarantined rows (all tables without {@code table})</li>
 * <li>{@code POST /quarantine/retry?table=T} or {@code ?id=1&id=2} — moves rows back into the queue</li>
 * <li>{@code POST /quarantine/purge?table=T&older_than_s=S} — deletes them for good; both parameters required</li>
 * </ul>
 * A table without a database means the agent's {@code CH_DB}. Thread-safe (stateless; the spool
 * serializes the writes).
 */
final class QuarantineHandlers {
    private final StatusSource src;

    QuarantineHandlers(StatusSource src) {
        this.src = src;
    }

    AdminResponse list(String rawPath) throws Exception {
        Map<String, List<String>> q = query(rawPath);
        String table = table(q);
        int limit = Integer.parseInt(first(q, "limit", "100"));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (QuarantinedRow r : src.spool().reader().quarantined(table, Math.max(1, Math.min(limit, 10_000)))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.id());
            m.put("table", r.table());
            m.put("reason", r.reason());
            m.put("attempts", r.attempts());
            m.put("firstError", r.firstError());
            m.put("lastError", r.lastError());
            m.put("created", Instant.ofEpochSecond(0, r.createdUs() * 1000).toString());
            m.put("quarantined", Instant.ofEpochSecond(0, r.quarantinedUs() * 1000).toString());
            InsertShape shape = src.spool().shapes().get(r.shapeId());
            m.put("row", shape != null && shape.isBinary() ? binaryRow(shape, r) : r.row());
            m.put("format", shape == null ? "unknown shape " + r.shapeId() : shape.format());
            if (shape != null && !shape.columns().isEmpty()) {
                m.put("columns", shape.columns());
            }
            rows.add(m);
        }
        return AdminHandlers.json(200, Map.of("rows", rows, "counts", src.spool().reader().quarantineCounts()));
    }

    /** What the list shows for binary data: its format and size, and a Native block's row count. */
    private static String binaryRow(InsertShape shape, QuarantinedRow r) {
        String rows = "";
        if (shape.format().equals("Native")) {
            rows = ", " + org.chspool.http.formats.NativeBlocks.rowsOf(r.bytes(), ShapedPayload.tagLength(r.bytes())) + " rows";
        }
        return shape.format() + " block" + rows + ", " + r.rowBytes() + " bytes (binary, not shown)";
    }

    AdminResponse retry(String rawPath) throws Exception {
        Map<String, List<String>> q = query(rawPath);
        String table = table(q);
        long[] ids = q.getOrDefault("id", List.of()).stream().mapToLong(Long::parseLong).toArray();
        if (table == null && ids.length == 0) {
            return AdminResponse.text(400, "say which rows: table=T and/or id=N (repeatable)\n");
        }
        int n = src.spool().requeueQuarantined(table, ids.length == 0 ? null : ids).get(60, TimeUnit.SECONDS);
        return AdminHandlers.json(200, Map.of("ok", true, "requeued", n));
    }

    AdminResponse purge(String rawPath) throws Exception {
        Map<String, List<String>> q = query(rawPath);
        String table = table(q);
        String older = first(q, "older_than_s", null);
        if (table == null || older == null) {
            return AdminResponse.text(400, "purge needs table=T and older_than_s=SECONDS\n");
        }
        Instant before = Instant.now().minusSeconds(Long.parseLong(older));
        int n = src.spool().purgeQuarantined(table, before).get(60, TimeUnit.SECONDS);
        return AdminHandlers.json(200, Map.of("ok", true, "purged", n));
    }

    private String table(Map<String, List<String>> q) throws Rejection {
        String t = first(q, "table", null);
        return t == null ? null
                : TableName.parse(t, src.config().database(), src.config().allowedDatabases()).qualified();
    }

    private static String first(Map<String, List<String>> q, String key, String dflt) {
        List<String> v = q.get(key);
        return v == null || v.isEmpty() ? dflt : v.get(0);
    }

    static Map<String, List<String>> query(String rawPath) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        int qm = rawPath.indexOf('?');
        if (qm < 0) {
            return out;
        }
        for (String pair : rawPath.substring(qm + 1).split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }
}
