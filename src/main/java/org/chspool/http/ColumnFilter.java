package org.chspool.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.chspool.spool.RowJson;

/**
 * Honours an INSERT's explicit column list: keeps only the listed top-level keys of a compact row (as
 * ClickHouse fills unlisted columns with their defaults, and the agent delivers with
 * {@code input_format_skip_unknown_fields}). Works on the compact bytes {@link RowJson} produced, copying
 * each kept {@code "key":value} slice byte for byte, so values (numbers included) are never re-encoded.
 * Immutable, thread-safe.
 */
final class ColumnFilter {
    private final Set<String> keep;

    ColumnFilter(List<String> columns) {
        this.keep = Set.copyOf(columns);
    }

    /** The row with only the listed keys (possibly {@code {}}). */
    byte[] apply(byte[] compactRow) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(compactRow.length);
        out.write('{');
        boolean first = true;
        try (JsonParser p = RowJson.FACTORY.createParser(compactRow)) {
            p.nextToken(); // START_OBJECT
            JsonToken t = p.nextToken();
            while (t == JsonToken.FIELD_NAME) {
                int start = (int) p.currentTokenLocation().getByteOffset();
                boolean wanted = keep.contains(p.currentName());
                p.nextToken();
                p.skipChildren();
                t = p.nextToken();
                // compact form: the slice ends right before the ',' that precedes the next key, or at '}'
                int end = (int) p.currentTokenLocation().getByteOffset() - (t == JsonToken.FIELD_NAME ? 1 : 0);
                if (wanted) {
                    if (!first) {
                        out.write(',');
                    }
                    out.write(compactRow, start, end - start);
                    first = false;
                }
            }
        }
        out.write('}');
        return out.toByteArray();
    }
}
