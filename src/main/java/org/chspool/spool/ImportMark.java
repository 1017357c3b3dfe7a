package org.chspool.spool;

/**
 * The progress an imported request carries ({@code spoolctl import-writer}): its rows are the rows of
 * {@code sourceTable} in the predecessor file {@code source} with ids in ({@code after}, {@code last}].
 * The writer commits them only if the file's recorded progress for that table is still {@code after},
 * and records {@code last} in the same transaction; otherwise the request is refused and nothing of it
 * is written. So an import that was interrupted, rerun, or run twice at once never spools a row twice.
 * Immutable.
 *
 * @param source the predecessor file's identity (path, device and inode; see the import command)
 * @param sourceTable the {@code table_name} of the predecessor's queue rows
 * @param after the progress this request continues from (0 for the first)
 * @param last the highest predecessor id among the request's rows
 */
public record ImportMark(String source, String sourceTable, long after, long last) {
    public static final int MAX_CHARS = 1024;
    /** How the refusal of a request whose {@link #after} is stale begins (its code is {@code bad_request}). */
    public static final String CONFLICT = "import progress moved:";

    public ImportMark {
        if (source == null || source.isEmpty() || source.length() > MAX_CHARS) {
            throw new IllegalArgumentException("import source must be 1 to " + MAX_CHARS + " characters");
        }
        if (sourceTable == null || sourceTable.isEmpty() || sourceTable.length() > MAX_CHARS) {
            throw new IllegalArgumentException("import table must be 1 to " + MAX_CHARS + " characters");
        }
        if (after < 0 || last <= after) {
            throw new IllegalArgumentException("import range must have 0 <= after < last, got after=" + after
                    + " last=" + last);
        }
    }
}
