package org.chspool.http.formats;

import org.chspool.clickhouse.ClickHouseCode;

/**
 * A request body that is not valid input of its format, found before anything was spooled: answered with
 * {@link #code()} and the message (which names the row and line), as ClickHouse would answer it.
 */
public final class MalformedInput extends Exception {
    private final ClickHouseCode code;

    public MalformedInput(ClickHouseCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ClickHouseCode code() {
        return code;
    }
}
