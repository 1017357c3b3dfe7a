package org.chspool.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
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
}
