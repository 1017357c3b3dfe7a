package org.chspool.replay;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.chspool.clickhouse.DedupeProbe.KeyValue;
import org.chspool.spool.InsertShape;
import org.chspool.spool.RowJson;
import org.chspool.util.CsvFields;

/**
 * The dedupe key of a row in a positional format whose columns are known by name (the shape's column
 * list, from the INSERT or a names header): the key columns' fields, decoded as ClickHouse reads them
 * (TabSeparated escapes, CSV quotes, JSON array elements), compared with {@code toString(column)} on the
 * server as text. A row whose key cannot be read (a key column not in the list, {@code \N} or null, a
 * malformed row, another format) has no key and is sent without the probe. Stateless.
 */
final class PositionalKeys {
    private PositionalKeys() {}

    /** The key of {@code row} (the payload from {@code skip} on), or null. */
    static List<KeyValue> keyOf(byte[] payload, int skip, InsertShape shape, List<String> keyColumns) {
        int[] at = new int[keyColumns.size()];
        for (int i = 0; i < at.length; i++) {
            at[i] = shape.columns().indexOf(keyColumns.get(i));
            if (at[i] < 0) {
                return null;
            }
        }
        List<String> fields;
        boolean[] strings = null;
        switch (shape.format()) {
            case "TabSeparated" -> fields = tsv(payload, skip);
            case "CSV" -> {
                String d = shape.settings().get("format_csv_delimiter");
                fields = csv(payload, skip, d == null || d.length() != 1 ? ',' : d.charAt(0));
            }
            case "JSONCompactEachRow" -> {
                List<Object[]> values = json(payload, skip);
                if (values == null) {
                    return null;
                }
                fields = new ArrayList<>();
                strings = new boolean[values.size()];
                for (int i = 0; i < values.size(); i++) {
                    fields.add((String) values.get(i)[0]);
                    strings[i] = (Boolean) values.get(i)[1];
                }
            }
            default -> {
                return null;
            }
        }
        if (fields == null) {
            return null;
        }
        List<KeyValue> key = new ArrayList<>(at.length);
        for (int i : at) {
            if (i >= fields.size() || fields.get(i) == null) {
                return null;
            }
            // positional text is compared as text only; JSON array elements keep their JSON kind
            key.add(strings == null ? KeyValue.untyped(fields.get(i)) : new KeyValue(fields.get(i), strings[i]));
        }
        return key;
    }

    /** TabSeparated fields, unescaped; null for {@code \N}. */
    private static List<String> tsv(byte[] p, int skip) {
        List<String> out = new ArrayList<>();
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        boolean isNull = false;
        for (int i = skip; i < p.length; i++) {
            byte b = p[i];
            if (b == '\\' && i + 1 < p.length) {
                byte e = p[++i];
                switch (e) {
                    case 't' -> f.write('\t');
                    case 'n' -> f.write('\n');
                    case 'r' -> f.write('\r');
                    case '0' -> f.write(0);
                    case 'b' -> f.write('\b');
                    case 'f' -> f.write('\f');
                    case 'N' -> isNull = true;
                    default -> f.write(e);
                }
            } else if (b == '\t') {
                out.add(isNull ? null : f.toString(StandardCharsets.UTF_8));
                f.reset();
                isNull = false;
            } else {
                f.write(b);
            }
        }
        out.add(isNull ? null : f.toString(StandardCharsets.UTF_8));
        return out;
    }

    /** CSV fields, unquoted; null for an unquoted {@code \N}. */
    private static List<String> csv(byte[] p, int skip, char delimiter) {
        List<String> out = new ArrayList<>();
        for (CsvFields.Field f : CsvFields.split(new String(p, skip, p.length - skip, StandardCharsets.UTF_8), delimiter)) {
            out.add(!f.quoted() && f.text().equals("\\N") ? null : f.text());
        }
        return out;
    }

    /** {text, isString} of each element of a JSON array row; null elements as null text; null when malformed. */
    private static List<Object[]> json(byte[] p, int skip) {
        List<Object[]> out = new ArrayList<>();
        try (JsonParser j = RowJson.FACTORY.createParser(p, skip, p.length - skip)) {
            if (j.nextToken() != JsonToken.START_ARRAY) {
                return null;
            }
            for (JsonToken t = j.nextToken(); t != JsonToken.END_ARRAY; t = j.nextToken()) {
                switch (t) {
                    case VALUE_STRING -> out.add(new Object[] {j.getText(), true});
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> out.add(new Object[] {j.getText(), false});
                    default -> {
                        j.skipChildren();
                        out.add(new Object[] {null, true});
                    }
                }
            }
            return out;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
