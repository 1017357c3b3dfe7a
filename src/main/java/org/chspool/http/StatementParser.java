package org.chspool.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.chspool.http.SqlLexer.Kind;
import org.chspool.http.SqlLexer.Token;

/**
 * Parses the statement at the head of a request: the {@code query} URL parameter followed by the start
 * of the body, as ClickHouse reads it. Accepts
 * {@code INSERT INTO [TABLE] [db.]table [(c1, c2, …)] [SETTINGS k = v, …] FORMAT JSONEachRow} (format name
 * case-insensitive; {@code JSONLines} and {@code NDJSON} are aliases) and the health-check SELECTs of
 * {@link HealthQueries}; everything else is refused with a clear error. Stateless, thread-safe.
 */
final class StatementParser {
    private static final Set<String> JSON_EACH_ROW = Set.of("jsoneachrow", "jsonlines", "ndjson");
    /** Formats ClickHouse knows but the agent does not take (answered NOT_IMPLEMENTED, not UNKNOWN_FORMAT). */
    private static final Set<String> OTHER_FORMATS = Set.of("tabseparated", "tsv", "tabseparatedwithnames",
            "tsvwithnames", "tabseparatedwithnamesandtypes", "tsvwithnamesandtypes", "tabseparatedraw", "tsvraw",
            "csv", "csvwithnames", "csvwithnamesandtypes", "values", "rowbinary", "rowbinarywithnames",
            "rowbinarywithnamesandtypes", "native", "json", "jsoncompact", "jsoncompacteachrow",
            "jsoncompacteachrowwithnamesandtypes", "jsoncompacteachrowwithnames", "jsonstringseachrow",
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
                t = lx.next();
            } while (t.isPunct(','));
        }
        if (t == SqlLexer.MORE) {
            return null;
        }
        if (t.is("VALUES") || t.is("SELECT") || t.is("WITH")) {
            throw new HttpError(ClickHouseCode.NOT_IMPLEMENTED, "INSERT ... " + t.text().toUpperCase(Locale.ROOT)
                    + " is not supported by the spool agent; send rows with FORMAT JSONEachRow");
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
        checkFormat(format.text());
        int dataStart = dataStart(text, format.end(), eof);
        if (dataStart < 0) {
            return null;
        }
        return new Insert(new InsertStatement(database, name, columns), dataStart);
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

    private static void checkFormat(String format) throws HttpError {
        String f = format.toLowerCase(Locale.ROOT);
        if (JSON_EACH_ROW.contains(f)) {
            return;
        }
        if (OTHER_FORMATS.contains(f)) {
            throw new HttpError(ClickHouseCode.NOT_IMPLEMENTED, "Format " + format
                    + " is not supported by the spool agent; send rows with FORMAT JSONEachRow");
        }
        throw new HttpError(ClickHouseCode.UNKNOWN_FORMAT, "Unknown format " + format
                + "; the spool agent takes FORMAT JSONEachRow (aliases JSONLines, NDJSON)");
    }

    private static String identifier(Token t, String what) throws HttpError {
        if (t.kind() == Kind.WORD || t.kind() == Kind.QUOTED) {
            // the text holds bytes as ISO-8859-1 characters; names are UTF-8
            return new String(t.text().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
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
