package org.chspool.http.formats;

import java.util.List;

/**
 * What a format reader found in a body: how many records it handed on (rows, or blocks for the block
 * formats), the column names of its names header (empty when the format has none), and how many rows the
 * client inserted, as reported back in {@code X-ClickHouse-Summary} (a Native block's header count; a plain
 * RowBinary block counts as 1, its rows being unknown to the agent).
 */
public record ReadRows(long rows, List<String> headerNames, long insertedRows) {
    public ReadRows {
        headerNames = List.copyOf(headerNames);
    }

    /** One record per row. */
    public ReadRows(long rows, List<String> headerNames) {
        this(rows, headerNames, rows);
    }
}
