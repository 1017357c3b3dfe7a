package org.chspool.http;

import org.chspool.clickhouse.ClickHouseCode;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import java.io.IOException;
import java.io.InputStream;
import org.chspool.spool.RejectReason;
import org.chspool.spool.Rejection;
import org.chspool.spool.RowJson;

/**
 * Reads a JSONEachRow stream (objects separated by whitespace, normally one per line) in one streaming
 * pass: each row is validated and compacted by {@link RowJson}, filtered by the column list if any, and
 * staged. The whole body is read before anything is appended, so a bad row anywhere refuses the whole
 * request with nothing spooled. Errors name the row number and the line of the data. Thread-safe (no
 * state beyond its configuration).
 */
final class JsonEachRowReader {
    private final RowJson rowJson;

    JsonEachRowReader(RowJson rowJson) {
        this.rowJson = rowJson;
    }

    /**
     * Reads every row of {@code data} into {@code staged}.
     *
     * @throws HttpError CANNOT_PARSE_INPUT_ASSERTION_FAILED for malformed JSON or a non-object row,
     *                   TOO_MANY_BYTES for a row over CH_MAX_ROW_BYTES, NO_DATA_TO_INSERT for no rows
     * @throws IOException reading the body failed (including {@link BoundedInputStream.TooLarge})
     */
    void read(InputStream data, ColumnFilter filter, StagedRows staged) throws HttpError, IOException {
        long row = 0;
        int line = 1;
        try (JsonParser p = RowJson.FACTORY.createParser(data)) {
            while (p.nextToken() != null) {
                row++;
                line = p.currentTokenLocation().getLineNr();
                byte[] compact = rowJson.compactObject(p);
                staged.add(filter == null ? compact : filter.apply(compact));
            }
        } catch (JsonProcessingException e) {
            // a row cut short by the end of the body is reported at the line where it starts
            int at = e.getLocation() == null || e instanceof JsonEOFException ? line : e.getLocation().getLineNr();
            throw new HttpError(ClickHouseCode.CANNOT_PARSE_INPUT_ASSERTION_FAILED, "Cannot parse JSONEachRow input: "
                    + e.getOriginalMessage() + ": (at row " + Math.max(row, 1) + ", line " + at + ")");
        } catch (Rejection r) {
            ClickHouseCode code = r.reason() == RejectReason.TOO_LARGE ? ClickHouseCode.TOO_MANY_BYTES
                    : ClickHouseCode.CANNOT_PARSE_INPUT_ASSERTION_FAILED;
            String what = r.reason() == RejectReason.TOO_LARGE ? r.getMessage() + " (CH_MAX_ROW_BYTES)" : r.getMessage();
            throw new HttpError(code, "Cannot insert JSONEachRow input: " + what + ": (at row " + row + ", line "
                    + line + ")");
        }
        staged.finish();
        if (row == 0) {
            throw new HttpError(ClickHouseCode.NO_DATA_TO_INSERT, "No data to insert");
        }
    }
}
