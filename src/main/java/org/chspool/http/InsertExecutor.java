package org.chspool.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import org.chspool.config.AgentConfig;
import org.chspool.config.Identifiers;
import org.chspool.spool.Rejection;
import org.chspool.spool.RowJson;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;

/**
 * Runs one parsed INSERT: resolves the table under the same name rules and database allowlist as the
 * put protocol, reads and validates every row of the body (staged, see {@link StagedRows}), then appends
 * them ({@link SpoolAppender}) and returns only once they are committed. Thread-safe: one instance
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
    Result run(InsertStatement insert, String defaultDatabase, InputStream data) throws HttpError, IOException {
        TableName table = resolve(insert, defaultDatabase);
        ColumnFilter filter = insert.columns().isEmpty() ? null : new ColumnFilter(insert.columns());
        try (StagedRows staged = new StagedRows(limits.spillDir(), limits.atomicRows(), limits.atomicBytes())) {
            reader.read(data, filter, staged);
            long rows = appender.append(table, staged);
            return new Result(rows, staged.bytes());
        } catch (StagedRows.SpillFailed e) {
            throw new HttpError(ClickHouseCode.SYSTEM_ERROR, e.getMessage() + "; nothing of this request was spooled");
        }
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
