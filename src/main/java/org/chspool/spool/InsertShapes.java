package org.chspool.spool;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The spool's {@link InsertShape}s ({@code insert_shape}, schema 7): each distinct (table, shape) gets an
 * id once, written through the spool writer, and kept forever (a shape is a few bytes; the number of
 * distinct shapes is bounded by {@link #MAX_SHAPES}, so a client cannot grow the table without bound).
 * Rows carry their shape id in the payload ({@link ShapedPayload}). Every shape is held in memory, loaded
 * at open; lookups never touch the file.
 *
 * <p>Threading: thread-safe. {@link #intern} may be called from any thread; the id is known once the
 * future completes (after the commit that recorded it).
 */
public final class InsertShapes {
    /** Most distinct shapes one spool file holds; beyond it new shapes are refused (spool_full-like, typed). */
    public static final int MAX_SHAPES = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GroupCommitWriter writer;
    private final Map<Integer, InsertShape> byId = new ConcurrentHashMap<>();
    private final Map<Key, Integer> byKey = new ConcurrentHashMap<>();

    private record Key(String table, InsertShape shape) {}

    InsertShapes(GroupCommitWriter writer, Connection c) throws SQLException {
        this.writer = writer;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, tbl, format, columns, settings FROM insert_shape")) {
            while (rs.next()) {
                InsertShape shape = new InsertShape(rs.getString(3), decodeColumns(rs.getString(4)),
                        decodeSettings(rs.getString(5)));
                byId.put(rs.getInt(1), shape);
                byKey.put(new Key(rs.getString(2), shape), rs.getInt(1));
            }
        }
    }

    /** The shape with {@code id}; {@link InsertShape#JSON_EACH_ROW} for 0; null for an id this file never had. */
    public InsertShape get(int id) {
        return id == InsertShape.DEFAULT_ID ? InsertShape.JSON_EACH_ROW : byId.get(id);
    }

    /** The shape of a stored payload (see {@link ShapedPayload}); null when its id is unknown. */
    public InsertShape of(byte[] payload) {
        return get(ShapedPayload.shapeOf(payload));
    }

    /**
     * The id of {@code shape} for rows of {@code table}, recording it first if it is new. Shape 0 needs no
     * record. Fails with a {@link Rejection} (BAD_REQUEST) beyond {@link #MAX_SHAPES}.
     */
    public CompletableFuture<Integer> intern(TableName table, InsertShape shape) {
        if (shape.equals(InsertShape.JSON_EACH_ROW)) {
            return CompletableFuture.completedFuture(InsertShape.DEFAULT_ID);
        }
        Integer known = byKey.get(new Key(table.qualified(), shape));
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        if (byId.size() >= MAX_SHAPES) {
            return CompletableFuture.failedFuture(new Rejection(RejectReason.BAD_REQUEST, "the spool already holds "
                    + MAX_SHAPES + " distinct insert shapes (table, format, column list, settings); send rows in a"
                    + " shape used before"));
        }
        return writer.submitOp(new Intern(table.qualified(), shape)).future.thenApply(id -> {
            byId.put(id, shape);
            byKey.put(new Key(table.qualified(), shape), id);
            return id;
        });
    }

    /**
     * Records a shape (or finds it, when another request recorded it first) on the writer thread. Idempotent
     * ({@code INSERT OR IGNORE} on the unique shape, then a lookup), so a transaction the writer retries or
     * rolls back never leaves two ids for one shape, nor an id in memory that the file does not have: the
     * maps learn the id only once the commit completed the future.
     */
    private static final class Intern extends WriteOp<Integer> {
        private final String table;
        private final InsertShape shape;

        Intern(String table, InsertShape shape) {
            this.table = table;
            this.shape = shape;
        }

        @Override
        Integer apply(Connection c, WriteContext ctx) throws SQLException {
            String columns = encode(shape.columns());
            String settings = encode(shape.settings());
            try (PreparedStatement p = c.prepareStatement("INSERT OR IGNORE INTO insert_shape (tbl, format, columns,"
                    + " settings) VALUES (?, ?, ?, ?)");
                 PreparedStatement q = c.prepareStatement("SELECT id FROM insert_shape WHERE tbl = ? AND format = ?"
                         + " AND columns = ? AND settings = ?")) {
                for (PreparedStatement s : new PreparedStatement[] {p, q}) {
                    s.setString(1, table);
                    s.setString(2, shape.format());
                    s.setString(3, columns);
                    s.setString(4, settings);
                }
                p.executeUpdate();
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        }
    }

    private static String encode(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static List<String> decodeColumns(String json) throws SQLException {
        try {
            return JSON.readValue(json, new TypeReference<List<String>>() {});
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("insert_shape: unreadable column list " + json, e);
        }
    }

    private static Map<String, String> decodeSettings(String json) throws SQLException {
        try {
            return JSON.readValue(json, new TypeReference<Map<String, String>>() {});
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("insert_shape: unreadable settings " + json, e);
        }
    }
}
