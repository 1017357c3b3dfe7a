package org.chspool.clickhouse;

import com.clickhouse.client.api.DataStreamWriter;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Streams JSONCompactEachRow rows ({@code [v1, v2, …]}) as JSONEachRow objects
 * (<code>{"c1":v1,"c2":v2,…}</code>) for servers that do not know JSONCompactEachRow (before 20.1; 18.16
 * answers UNKNOWN_FORMAT). Values are copied token by token (numbers keep their text, nested arrays and
 * objects stay as they are). The same rows and columns always give the same bytes, so a retried batch is
 * the same block. A row with more values than columns keeps the extra ones under no name: it is written
 * with the key {@code "__extra_N"}, which ClickHouse refuses (or skips under
 * {@code input_format_skip_unknown_fields}) as it would have refused the positional row.
 *
 * <p>One instance per request.
 */
final class CompactRowsAsObjects implements DataStreamWriter {
    private static final JsonFactory JSON = new JsonFactory();
    private final List<byte[]> payloads;
    private final int skip;
    private final List<String> columns;

    CompactRowsAsObjects(List<byte[]> payloads, int skip, List<String> columns) {
        this.payloads = payloads;
        this.skip = skip;
        this.columns = columns;
    }

    @Override
    public void onOutput(OutputStream out) throws IOException {
        BufferedOutputStream buffered = new BufferedOutputStream(out, 64 * 1024);
        for (byte[] p : payloads) {
            try (JsonParser in = JSON.createParser(p, skip, p.length - skip);
                 JsonGenerator gen = JSON.createGenerator(buffered)) {
                gen.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
                if (in.nextToken() != JsonToken.START_ARRAY) {
                    throw new IOException("a JSONCompactEachRow row that is not an array");
                }
                gen.writeStartObject();
                int i = 0;
                while (in.nextToken() != JsonToken.END_ARRAY) {
                    gen.writeFieldName(i < columns.size() ? columns.get(i) : "__extra_" + i);
                    JsonToken t = in.currentToken();
                    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                        gen.writeNumber(in.getText()); // the number's text as sent
                    } else {
                        gen.copyCurrentStructure(in);
                    }
                    i++;
                }
                gen.writeEndObject();
            }
            buffered.write('\n');
        }
        buffered.flush();
    }
}
