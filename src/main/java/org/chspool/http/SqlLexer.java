package org.chspool.http;

import org.chspool.clickhouse.ClickHouseCode;

/**
 * A minimal tokenizer for the statement prefix of a request: words, quoted identifiers
 * ({@code `x`} and {@code "x"}), string literals and single punctuation characters, skipping whitespace
 * and comments. Works on text that may be cut short: {@link #next()} returns {@link #MORE} when the
 * text ends inside a token and more may follow. Not thread-safe; one per parse.
 */
final class SqlLexer {
    /** Returned by {@link #next()} when the text ends before a complete token and {@code eof} is false. */
    static final Token MORE = new Token(Kind.END, "", -1, -1);

    enum Kind { WORD, QUOTED, STRING, PUNCT, END }

    record Token(Kind kind, String text, int start, int end) {
        boolean is(String keyword) {
            return kind == Kind.WORD && text.equalsIgnoreCase(keyword);
        }

        boolean isPunct(char c) {
            return kind == Kind.PUNCT && text.length() == 1 && text.charAt(0) == c;
        }
    }

    private final String s;
    private final boolean eof;
    private int pos;

    SqlLexer(String text, boolean eof) {
        this.s = text;
        this.eof = eof;
    }

    int position() {
        return pos;
    }

    /** The next token, {@code END} at the end of complete text, or {@link #MORE}. */
    Token next() throws HttpError {
        if (!skipSpaceAndComments()) {
            return MORE;
        }
        if (pos >= s.length()) {
            return eof ? new Token(Kind.END, "", pos, pos) : MORE;
        }
        int start = pos;
        char c = s.charAt(pos);
        if (isWordChar(c)) {
            while (pos < s.length() && isWordChar(s.charAt(pos))) {
                pos++;
            }
            if (pos >= s.length() && !eof) {
                return MORE; // the word may continue
            }
            return new Token(Kind.WORD, s.substring(start, pos), start, pos);
        }
        if (c == '`' || c == '"' || c == '\'') {
            String text = quoted(c);
            if (text == null) {
                if (!eof) {
                    return MORE;
                }
                throw new HttpError(ClickHouseCode.SYNTAX_ERROR, "Syntax error: unterminated quoted text at position " + start);
            }
            return new Token(c == '\'' ? Kind.STRING : Kind.QUOTED, text, start, pos);
        }
        pos++;
        return new Token(Kind.PUNCT, String.valueOf(c), start, pos);
    }

    private String quoted(char q) {
        StringBuilder out = new StringBuilder();
        int i = pos + 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                out.append(s.charAt(i + 1));
                i += 2;
            } else if (c == q) {
                if (i + 1 < s.length() && s.charAt(i + 1) == q) {
                    out.append(q);
                    i += 2;
                } else if (i + 1 >= s.length() && !eof) {
                    return null; // a doubled quote may follow
                } else {
                    pos = i + 1;
                    return out.toString();
                }
            } else {
                out.append(c);
                i++;
            }
        }
        return null;
    }

    /** Skips whitespace and comments; false when the text ends inside a comment that may continue. */
    private boolean skipSpaceAndComments() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (s.startsWith("--", pos) || c == '#') {
                int nl = s.indexOf('\n', pos);
                if (nl < 0) {
                    pos = s.length();
                    return eof;
                }
                pos = nl + 1;
            } else if (s.startsWith("/*", pos)) {
                int close = s.indexOf("*/", pos + 2);
                if (close < 0) {
                    return eof;
                }
                pos = close + 2;
            } else if (c == '-' && pos + 1 >= s.length() && !eof) {
                return false; // may be the start of "--"
            } else {
                return true;
            }
        }
        return true;
    }

    static boolean isWordChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
    }
}
