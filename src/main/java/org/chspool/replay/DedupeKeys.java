package org.chspool.replay;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.chspool.clickhouse.DedupeProbe.KeyValue;
import org.chspool.spool.RowJson;
import org.chspool.spool.TableName;

/**
 * Which tables are deduplicated and by which columns ({@code CH_DEDUPE}), and the key of a row.
 * An entry {@code db.table} names one table; an entry {@code table} names that table in any database.
 * Immutable; thread-safe.
 */
final class DedupeKeys {
    private final Map<String, List<String>> byName;

    DedupeKeys(Map<String, List<String>> byName) {
        this.byName = Map.copyOf(byName);
    }

    /** The key columns of {@code t}, or null when it is not deduplicated. */
    List<String> columnsOf(TableName t) {
        List<String> c = byName.get(t.qualified());
        return c != null ? c : byName.get(t.table());
    }

    /**
     * The row's key values in column order, or null when the row cannot be keyed (a key column is
     * missing, null, or not a string or number, or the row is not a JSON object: a positional format):
     * such a row is sent without dedupe. A JSONEachRow row with a shape tag (sent with input-format
     * settings, see {@link org.chspool.spool.ShapedPayload}) is keyed like any other.
     */
    static List<KeyValue> keyOf(byte[] payload, List<String> columns) {
        KeyValue[] values = new KeyValue[columns.size()];
        int found = 0;
        int skip = org.chspool.spool.ShapedPayload.tagLength(payload);
        try (JsonParser p = RowJson.FACTORY.createParser(payload, skip, payload.length - skip)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                int i = columns.indexOf(p.currentName());
                JsonToken v = p.nextToken();
                if (i < 0 || values[i] != null) {
                    p.skipChildren();
                    continue;
                }
                if (v == JsonToken.VALUE_STRING) {
                    values[i] = new KeyValue(p.getText(), true);
                } else if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
                    values[i] = new KeyValue(p.getText(), false);
                } else {
                    return null;
                }
                if (++found == values.length) {
                    return Arrays.asList(values);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
        return null;
    }

    /**
     * The key of a stored row of {@code shape}: a JSON object's keys ({@link #keyOf(byte[], List)}), or a
     * positional row's fields by the shape's column list ({@link PositionalKeys}); null when it has none.
     */
    static List<KeyValue> keyOf(byte[] payload, org.chspool.spool.InsertShape shape, List<String> columns) {
        if (shape == null) {
            return null;
        }
        return shape.format().equals("JSONEachRow") ? keyOf(payload, columns)
                : PositionalKeys.keyOf(payload, org.chspool.spool.ShapedPayload.tagLength(payload), shape, columns);
    }

    static List<String> texts(List<KeyValue> key) {
        List<String> out = new ArrayList<>(key.size());
        for (KeyValue v : key) {
            out.add(v.text());
        }
        return out;
    }
}
