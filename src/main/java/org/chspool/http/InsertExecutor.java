package org.chspool.http;

import org.chspool.clickhouse.ClickHouseCode;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.chspool.config.AgentConfig;
import org.chspool.config.Identifiers;
import org.chspool.http.formats.CsvRows;
import org.chspool.http.formats.InputFormat;
import org.chspool.http.formats.InputFormatSettings;
import org.chspool.http.formats.JsonArrayRows;
import org.chspool.http.formats.MalformedInput;
import org.chspool.http.formats.NativeBlocks;
import org.chspool.http.formats.ReadRows;
import org.chspool.http.formats.RowBinaryRows;
import org.chspool.http.formats.TsvRows;
import org.chspool.http.formats.ValuesRows;
import org.chspool.spool.InsertShape;
import org.chspool.spool.Rejection;
import org.chspool.spool.RowJson;
import org.chspool.spool.ShapedPayload;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;

/**
 * Runs one parsed INSERT: resolves the table under the same name rules and database allowlist as the
 * put protocol, reads and checks every row of the body with its format's reader (staged, see
 * {@link StagedRows}; rows are kept as sent, a names header becomes the column list), records the
 * request's insert shape (format, column list, the input-format settings that travel with the rows, see
 * {@link InputFormatSettings}), then appends the rows tagged with it ({@link SpoolAppender}) and returns
 * only once they are committed. A malformed body is refused before anything is written. Thread-safe: one instance
 * serves every handler thread.
 */
final class InsertExecutor {
    private final AgentConfig config;
    private final HttpLimits limits;
    private final JsonEachRowReader reader;
    private final SpoolAppender appender;

    InsertExecutor(AgentConfig config, Spool spool, HttpLimits limits) {
        this.config = config;
        this.limits = limits;
        this.reader = new JsonEachRowReader(new RowJson(config.maxRowBytes()));
        this.appender = new SpoolAppender(spool, limits.busyWaitMillis() * 1_000_000L, limits.chunkRows(),
                limits.chunkBytes());
    }

    /** Committed rows and their bytes. */
    record Result(long rows, long bytes) {}

    /**
     * @param defaultDatabase the request's {@code database} parameter, or null
     * @param data            the rows, after the statement
     */
    Result run(InsertStatement insert, String defaultDatabase, Map<String, String> urlParams, InputStream data)
            throws HttpError, IOException {
        TableName table = resolve(insert, defaultDatabase);
        Map<String, String> settings = InputFormatSettings.of(urlParams, insert.settings());
        InputFormat format = insert.format();
        try (StagedRows staged = new StagedRows(limits.spillDir(), limits.atomicRows(), limits.atomicBytes())) {
            ReadRows read = read(insert, settings, data, staged);
            List<String> columns = read == null ? List.of()
                    : read.headerNames().isEmpty() ? insert.columns() : read.headerNames();
            // the shape is recorded only for a body that was read whole and valid
            int shape = appender.shapeId(table, new InsertShape(format.family().baseFormat(), columns, settings));
            long records = appender.append(table, staged, ShapedPayload.tag(shape));
            return new Result(read == null ? records : read.insertedRows(), staged.bytes());
        } catch (StagedRows.SpillFailed e) {
            throw new HttpError(ClickHouseCode.SYSTEM_ERROR, e.getMessage() + "; nothing of this request was spooled");
        } catch (MalformedInput m) {
            throw new HttpError(m.code(), m.getMessage() + "; nothing of this request was spooled");
        }
    }

    /**
     * Reads, checks and stages every row of the body with its format's reader; returns what it read (null
     * for JSONEachRow, whose column list is applied to the rows here, so they are sent without one).
     */
    private ReadRows read(InsertStatement insert, Map<String, String> settings, InputStream data, StagedRows staged)
            throws HttpError, IOException, MalformedInput {
        InputFormat format = insert.format();
        long maxRow = config.maxRowBytes();
        boolean fixed = InputFormatSettings.fixedFieldCount(settings);
        ReadRows read = switch (format.family()) {
            case JSON_OBJECTS -> {
                reader.read(data, insert.columns().isEmpty() ? null : new ColumnFilter(insert.columns()), staged);
                yield null;
            }
            case TSV -> TsvRows.read(data, format, insert.columns(), maxRow, fixed, staged::add);
            case CSV -> CsvRows.read(data, format, insert.columns(), maxRow, fixed, csvDelimiter(settings),
                    "1".equals(settings.get("format_csv_allow_single_quotes"))
                            || "true".equalsIgnoreCase(settings.get("format_csv_allow_single_quotes")), staged::add);
            case JSON_ARRAYS -> JsonArrayRows.read(data, format, insert.columns(), maxRow, fixed, staged::add);
            case VALUES -> ValuesRows.read(data, format, insert.columns(), maxRow, fixed, staged::add);
            case NATIVE -> NativeBlocks.read(data, insert.columns(), config.batchMaxBytes(), staged::add);
            case ROW_BINARY, ROW_BINARY_WITH_DEFAULTS -> RowBinaryRows.read(data, format, insert.columns(), maxRow,
                    config.batchMaxBytes(), staged::add);
        };
        if (read == null) {
            return null;
        }
        staged.finish();
        if (read.rows() == 0) {
            throw new HttpError(ClickHouseCode.NO_DATA_TO_INSERT, "No data to insert");
        }
        return read;
    }

    private static byte csvDelimiter(Map<String, String> settings) throws HttpError {
        String d = settings.get("format_csv_delimiter");
        if (d == null) {
            return ',';
        }
        if (d.length() != 1 || d.charAt(0) > 0x7f) {
            throw new HttpError(ClickHouseCode.BAD_ARGUMENTS, "format_csv_delimiter must be one ASCII character, not '"
                    + d + "'; nothing of this request was spooled");
        }
        return (byte) d.charAt(0);
    }

    TableName resolve(InsertStatement insert, String defaultDatabase) throws HttpError {
        String db = insert.database() != null ? insert.database()
                : defaultDatabase != null && !defaultDatabase.isEmpty() ? defaultDatabase : config.database();
        Set<String> allowed = config.allowedDatabases();
        if (Identifiers.isValid(db) && !allowed.contains(db)) {
            throw new HttpError(ClickHouseCode.DATABASE_ACCESS_DENIED, "database '" + db + "' is not allowed for"
                    + " this agent (CH_ALLOWED_DATABASES: " + String.join(",", allowed) + ")");
        }
        try {
            return TableName.parse(db + "." + insert.table(), config.database(), allowed);
        } catch (Rejection r) {
            throw new HttpError(ClickHouseCode.BAD_ARGUMENTS, r.getMessage());
        }
    }
}
