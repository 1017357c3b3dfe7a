package org.chspool.http.formats;

import org.chspool.clickhouse.ClickHouseCode;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a JSONCompactEachRow body: JSON arrays separated by whitespace, one per row. Each row is
 * validated and handed on in compact form (insignificant whitespace dropped; numbers keep their exact
 * text, strings their escapes' meaning), its element count checked by {@link RowRules}; header rows of
 * the *WithNames formats are arrays of strings. Malformed JSON or a row that is not an array is
 * CANNOT_PARSE_INPUT_ASSERTION_FAILED with the row and line. Not thread-safe; one per request.
 */
public final class JsonArrayRows {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build();

    private JsonArrayRows() {}

    public static ReadRows read(InputStream in, InputFormat format, List<String> columns, long maxRowBytes,
                                boolean fixedCount, RowSink sink)
            throws MalformedInput, IOException {
        RowRules rules = new RowRules(format, columns, maxRowBytes, fixedCount);
        long line = 1;
        try (JsonParser p = FACTORY.createParser(in)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                line = p.currentTokenLocation().getLineNr();
                if (t != JsonToken.START_ARRAY) {
                    throw new MalformedInput(ClickHouseCode.CANNOT_PARSE_INPUT_ASSERTION_FAILED, "Cannot parse input: "
                            + format.formatName() + " rows are JSON arrays, found " + t.asString() + ": (at row "
                            + (rules.dataRows() + 1) + ", line " + line + ")");
                }
                if (rules.inHeader()) {
                    rules.header(strings(p, format, line), line);
                    continue;
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream(128);
                int fields = 0;
                try (JsonGenerator g = FACTORY.createGenerator(out)) {
                    g.writeStartArray();
                    for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
                        copy(p, g);
                        fields++;
                        if (out.size() > maxRowBytes) {
                            rules.checkSize(out.size(), line);
                        }
                    }
                    g.writeEndArray();
                }
                rules.row(fields, out.toByteArray(), line, sink);
            }
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? line : e.getLocation().getLineNr();
            throw new MalformedInput(ClickHouseCode.CANNOT_PARSE_INPUT_ASSERTION_FAILED, "Cannot parse "
                    + format.formatName() + " input: " + e.getOriginalMessage() + ": (at row " + (rules.dataRows() + 1)
                    + ", line " + at + ")");
        }
        return rules.result();
    }

    /** Copies the current value (scalar or structure) with numbers as their text. */
    private static void copy(JsonParser p, JsonGenerator g) throws IOException {
        switch (p.currentToken()) {
            case START_ARRAY -> {
                g.writeStartArray();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    copy(p, g);
                }
                g.writeEndArray();
            }
            case START_OBJECT -> {
                g.writeStartObject();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    g.writeFieldName(p.currentName());
                    p.nextToken();
                    copy(p, g);
                }
                g.writeEndObject();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(p.getText());
            default -> g.copyCurrentEvent(p);
        }
    }

    private static List<String> strings(JsonParser p, InputFormat format, long line) throws IOException, MalformedInput {
        List<String> out = new ArrayList<>();
        for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
            if (v != JsonToken.VALUE_STRING) {
                throw new MalformedInput(ClickHouseCode.INCORRECT_DATA, format.formatName() + ": a header row holds"
                        + " strings, found " + v.asString() + ": (line " + line + ")");
            }
            out.add(p.getText());
        }
        return out;
    }
}
