package org.chspool.http.formats;

import java.util.List;

/**
 * What a format reader found in a body: how many data rows it handed on, and the column names of its
 * names header (empty when the format has none).
 */
public record ReadRows(long rows, List<String> headerNames) {
    public ReadRows {
        headerNames = List.copyOf(headerNames);
    }
}
