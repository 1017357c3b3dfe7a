package org.chspool.http;

import org.chspool.clickhouse.ClickHouseCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.chspool.http.SqlLexer.Kind;
import org.chspool.http.SqlLexer.Token;
import org.chspool.http.formats.InputFormat;

/**
 * Parses the statement at the head of a request: the {@code query} URL parameter followed by the start
 * of the body, as ClickHouse reads it. Accepts
 * {@code INSERT INTO [TABLE] [db.]table [(c1, c2, …)] [SETTINGS k = v, …] FORMAT F} for the formats of
 * {@link InputFormat} (names case-insensitive, aliases included) and the health-check SELECTs of
 * {@link HealthQueries}; everything else is refused with a clear error. Stateless, thread-safe.
 */
final class StatementParser {
    /** Formats ClickHouse knows but the agent does not take (answered NOT_IMPLEMENTED, not UNKNOWN_FORMAT). */
    private static final Set<String> OTHER_FORMATS = Set.of("tabseparatedraw", "tsvraw",
            "rowbinarywithnames", "rowbinarywithdefaults", "json", "jsoncompact", "jsonstringseachrow",
            "jsonobjecteachrow", "jsoncolumns", "parquet", "arrow", "arrowstream", "orc", "avro", "protobuf",
            "capnproto", "msgpack", "template", "customseparated", "regexp", "rawblob", "linesasstring", "bsoneachrow");

    /** What the head of a request turned out to be. */
    sealed interface Parsed permits Insert, Answer {}

    /** An INSERT whose rows start at {@code dataStart} (a character index into the parsed text). */
    record Insert(InsertStatement statement, int dataStart) implements Parsed {}

    /** A health query answered by the agent itself with {@code body}. */
    record Answer(String body) implements Parsed {}

    private StatementParser() {}

    /**
     * @param text the statement text so far (bytes as ISO-8859-1 characters, so indexes are byte offsets)
     * @param eof  true when {@code text} is everything the request has
     * @return the parse, or null when more text is needed to decide
     */
    static Parsed parse(String text, boolean eof) throws HttpError {
        SqlLexer lx = new SqlLexer(text, eof);
        Token first = lx.next();
        if (first == SqlLexer.MORE) {
            return null;
        }
        if (first.kind() == Kind.END) {
            throw new HttpError(ClickHouseCode.SYNTAX_ERROR, "Empty query");
        }
        if (!first.is("INSERT")) {
            if (!eof) {
                return null;
            }
            return new Answer(HealthQueries.answer(text));
        }
        return parseInsert(lx, text, eof);
    }

    private static Parsed parseInsert(SqlLexer lx, String text, boolean eof) throws HttpError {
        Token t = lx.next();
        if (t == SqlLexer.MORE) {
            return null;
        }
        expect(t, "INTO");
        t = lx.next();
        if (t.is("TABLE")) {
            t = lx.next();
        }
        if (t.is("FUNCTION")) {
            throw new HttpError(ClickHouseCode.NOT_IMPLEMENTED,
                    "INSERT INTO FUNCTION is not supported by the spool agent; insert into a table");
        }
        if (t == SqlLexer.MORE) {
            return null;
        }
        String name = identifier(t, "a table name");
        String database = null;
        t = lx.next();
        if (t.isPunct('.')) {
            database = name;
            t = lx.next();
            if (t == SqlLexer.MORE) {
                return null;
            }
            name = identifier(t, "a table name after '" + database + ".'");
            t = lx.next();
        }
        List<String> columns = new ArrayList<>();
        java.util.Map<String, String> settings = new java.util.TreeMap<>();
        if (t.isPunct('(')) {
            do {
                t = lx.next();
                if (t == SqlLexer.MORE) {
                    return null;
                }
                columns.add(identifier(t, "a column name"));
                t = lx.next();
            } while (t.isPunct(','));
            if (t == SqlLexer.MORE) {
                return null;
            }
            if (!t.isPunct(')')) {
                throw syntax("expected ',' or ')' in the column list", t);
            }
            t = lx.next();
        }
        if (t.is("SETTINGS")) {
            do {
                Token k = lx.next();
                Token eq = k == SqlLexer.MORE ? k : lx.next();
                Token v = eq == SqlLexer.MORE ? eq : lx.next();
                if (v == SqlLexer.MORE) {
                    return null;
                }
                if (k.kind() != Kind.WORD || !eq.isPunct('=') || v.kind() == Kind.END) {
                    throw syntax("expected SETTINGS name = value", k);
                }
                settings.put(k.text(), utf8(v.text()));
                t = lx.next();
            } while (t.isPunct(','));
        }
        if (t == SqlLexer.MORE) {
            return null;
        }
        if (t.is("VALUES")) { // the rows follow the keyword, as FORMAT Values
            return new Insert(new InsertStatement(database, name, columns, InputFormat.VALUES, settings), t.end());
        }
        if (t.is("SELECT") || t.is("WITH")) {
            throw new HttpError(ClickHouseCode.NOT_IMPLEMENTED, "INSERT ... " + t.text().toUpperCase(Locale.ROOT)
                    + " is not supported by the spool agent; send rows with FORMAT " + InputFormat.names());
        }
        if (t.kind() == Kind.END) {
            throw new HttpError(ClickHouseCode.SYNTAX_ERROR,
                    "Syntax error: the INSERT has no FORMAT clause; use INSERT INTO table FORMAT JSONEachRow");
        }
        expect(t, "FORMAT");
        Token format = lx.next();
        if (format == SqlLexer.MORE) {
            return null;
        }
        if (format.kind() != Kind.WORD) {
            throw syntax("expected a format name after FORMAT", format);
        }
        InputFormat inputFormat = checkFormat(format.text());
        int dataStart = dataStart(text, format.end(), eof);
        if (dataStart < 0) {
            return null;
        }
        return new Insert(new InsertStatement(database, name, columns, inputFormat, settings), dataStart);
    }

    /** After the format name: spaces, then one line break, then the rows; -1 when more text is needed. */
    private static int dataStart(String text, int i, boolean eof) {
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        if (i < text.length() && text.charAt(i) == '\r') {
            if (i + 1 >= text.length()) {
                return eof ? i + 1 : -1;
            }
            if (text.charAt(i + 1) == '\n') {
                return i + 2;
            }
        }
        if (i < text.length() && text.charAt(i) == '\n') {
            return i + 1;
        }
        return i >= text.length() && !eof ? -1 : i;
    }

    private static InputFormat checkFormat(String format) throws HttpError {
        java.util.Optional<InputFormat> known = InputFormat.byName(format);
        if (known.isPresent()) {
            return known.get();
        }
        if (OTHER_FORMATS.contains(format.toLowerCase(Locale.ROOT))) {
            throw new HttpError(ClickHouseCode.NOT_IMPLEMENTED, "Format " + format
                    + " is not supported by the spool agent; it takes " + InputFormat.names());
        }
        throw new HttpError(ClickHouseCode.UNKNOWN_FORMAT, "Unknown format " + format
                + "; the spool agent takes " + InputFormat.names());
    }

    /** The text holds bytes as ISO-8859-1 characters; names and values are UTF-8. */
    private static String utf8(String text) {
        return new String(text.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    private static String identifier(Token t, String what) throws HttpError {
        if (t.kind() == Kind.WORD || t.kind() == Kind.QUOTED) {
            return utf8(t.text());
        }
        throw syntax("expected " + what, t);
    }

    private static void expect(Token t, String keyword) throws HttpError {
        if (!t.is(keyword)) {
            throw syntax("expected " + keyword, t);
        }
    }

    private static HttpError syntax(String what, Token t) {
        String found = t.kind() == Kind.END ? "end of query" : "'" + shorten(t.text()) + "'";
        return new HttpError(ClickHouseCode.SYNTAX_ERROR, "Syntax error: " + what + " at position " + (t.start() + 1)
                + ", found " + found);
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
