package org.chspool.http.formats;

import java.io.IOException;

/** Where a format reader puts each data row it read, as sent (header rows excluded). */
@FunctionalInterface
public interface RowSink {
    void add(byte[] row) throws IOException;
}
