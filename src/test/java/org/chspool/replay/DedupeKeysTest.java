package org.chspool.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.chspool.spool.InsertShape;
import org.chspool.spool.ShapedPayload;
import org.junit.jupiter.api.Test;

/** Dedupe keys are read from JSON objects whether or not the row carries a shape tag; positional rows have none. */
class DedupeKeysTest {
    private static final List<String> KEY = List.of("trade_id", "ts");

    @Test
    void aTaggedJsonRowIsKeyedLikeAnUntaggedOneAndAPositionalRowIsNot() {
        byte[] json = "{\"trade_id\":7,\"ts\":\"2024-01-01\",\"x\":1}".getBytes(StandardCharsets.UTF_8);
        List<String> plain = DedupeKeys.texts(DedupeKeys.keyOf(json, KEY));
        assertEquals(List.of("7", "2024-01-01"), plain);
        assertEquals(plain, DedupeKeys.texts(DedupeKeys.keyOf(ShapedPayload.tagged(ShapedPayload.tag(12), json), KEY)));
        assertNull(DedupeKeys.keyOf(ShapedPayload.tagged(ShapedPayload.tag(3),
                "7\t2024-01-01\t1".getBytes(StandardCharsets.UTF_8)), KEY));
    }

    @Test
    void positionalRowsAreKeyedByTheirShapesColumnList() {
        List<String> cols = List.of("x", "ts", "trade_id");
        InsertShape tsv = new InsertShape("TabSeparated", cols, Map.of());
        assertEquals(List.of("7", "2024-01-01\t2"), key("1\t2024-01-01\\t2\t7", tsv));
        InsertShape csv = new InsertShape("CSV", cols, Map.of("format_csv_delimiter", ";"));
        assertEquals(List.of("7", "a;\"b\""), key("1;\"a;\"\"b\"\"\";7", csv));
        InsertShape compact = new InsertShape("JSONCompactEachRow", cols, Map.of());
        assertEquals(List.of("7", "2024-01-01"), key("[1,\"2024-01-01\",7]", compact));
        assertNull(key("1\t\\N\t7", tsv), "a NULL key is no key");
        assertNull(key("1\t2024-01-01\t7", new InsertShape("TabSeparated", List.of(), Map.of())), "no column list");
        assertNull(key("(1, 'a', 7)", new InsertShape("Values", cols, Map.of())), "Values rows are not keyed");
    }

    private static List<String> key(String row, InsertShape shape) {
        byte[] payload = ShapedPayload.tagged(ShapedPayload.tag(5), row.getBytes(StandardCharsets.UTF_8));
        List<org.chspool.clickhouse.DedupeProbe.KeyValue> k = DedupeKeys.keyOf(payload, shape, KEY);
        return k == null ? null : DedupeKeys.texts(k);
    }
}
