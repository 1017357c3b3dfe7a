package org.chspool.http.formats;

import java.util.ArrayList;
import java.util.List;

/**
 * Where one RowBinary value of a ClickHouse type ends: enough of the type grammar to find row boundaries
 * in a RowBinaryWithNamesAndTypes body without decoding values (fixed widths, varint-prefixed strings,
 * Nullable's flag, Array's and Map's count, Tuple's elements; LowCardinality is its inner type in
 * RowBinary). A type outside this grammar is answered by {@link #parse} with null: the body is then kept
 * as one block. Immutable, thread-safe.
 */
abstract class RowBinaryTypes {
    private RowBinaryTypes() {}

    /** The body ended inside a value. */
    static final class Truncated extends Exception {
        Truncated() {
            super(null, null, false, false);
        }
    }

    /** Skips one value starting at {@code at}; returns where it ends. */
    abstract int skip(byte[] b, int at, int end) throws Truncated;

    /** The size of every value of this type, or 0 when values vary in size. */
    int width() {
        return 0;
    }

    /**
     * The width of a fixed-width type (its RowBinary and Native value size), or 0 when it has none.
     * LowCardinality has none: in Native it is a dictionary, whatever it wraps (RowBinary reads it as the
     * wrapped type).
     */
    static int fixedWidth(String type) {
        String s = type.strip();
        RowBinaryTypes t = parse(s);
        return t == null || s.startsWith("LowCardinality") ? 0 : t.width();
    }

    /** The skipper of a type name, or null for a type the agent does not know. */
    static RowBinaryTypes parse(String type) {
        TypeName tn = TypeName.of(type);
        String name = tn.name();
        List<String> args = tn.args();
        switch (name) {
            case "Int8", "UInt8", "Bool", "Enum8" -> {
                return fixed(1);
            }
            case "Int16", "UInt16", "Date", "Enum16" -> {
                return fixed(2);
            }
            case "Int32", "UInt32", "Float32", "Date32", "DateTime", "IPv4", "Decimal32" -> {
                return fixed(4);
            }
            case "Int64", "UInt64", "Float64", "DateTime64", "Decimal64" -> {
                return fixed(8);
            }
            case "Int128", "UInt128", "UUID", "IPv6", "Decimal128" -> {
                return fixed(16);
            }
            case "Int256", "UInt256", "Decimal256" -> {
                return fixed(32);
            }
            case "Decimal" -> {
                int p = args.isEmpty() ? 0 : Integer.parseInt(args.get(0).strip());
                return fixed(p <= 9 ? 4 : p <= 18 ? 8 : p <= 38 ? 16 : 32);
            }
            case "FixedString" -> {
                return args.size() == 1 && args.get(0).strip().matches("\\d{1,9}") ? fixed(Integer.parseInt(args.get(0).strip())) : null;
            }
            case "String" -> {
                return STRING;
            }
            case "Nullable" -> {
                RowBinaryTypes inner = args.size() == 1 ? parse(args.get(0)) : null;
                return inner == null ? null : new RowBinaryTypes() {
                    @Override
                    int skip(byte[] b, int at, int end) throws Truncated {
                        if (at >= end) {
                            throw new Truncated();
                        }
                        return b[at] != 0 ? at + 1 : inner.skip(b, at + 1, end);
                    }
                };
            }
            case "LowCardinality" -> {
                return args.size() == 1 ? parse(args.get(0)) : null;
            }
            case "Array" -> {
                RowBinaryTypes inner = args.size() == 1 ? parse(args.get(0)) : null;
                return inner == null ? null : repeated(List.of(inner));
            }
            case "Map" -> {
                RowBinaryTypes k = args.size() == 2 ? parse(args.get(0)) : null;
                RowBinaryTypes v = args.size() == 2 ? parse(args.get(1)) : null;
                return k == null || v == null ? null : repeated(List.of(k, v));
            }
            case "Tuple" -> {
                List<RowBinaryTypes> elements = new ArrayList<>();
                for (String a : args) {
                    RowBinaryTypes e = parse(namedElement(a));
                    if (e == null) {
                        return null;
                    }
                    elements.add(e);
                }
                return elements.isEmpty() ? null : new RowBinaryTypes() {
                    @Override
                    int skip(byte[] b, int at, int end) throws Truncated {
                        for (RowBinaryTypes e : elements) {
                            at = e.skip(b, at, end);
                        }
                        return at;
                    }
                };
            }
            default -> {
                return null;
            }
        }
    }

    private static final RowBinaryTypes STRING = new RowBinaryTypes() {
        @Override
        int skip(byte[] b, int at, int end) throws Truncated {
            long[] n = varint(b, at, end);
            long stop = n[1] + n[0];
            if (stop > end) {
                throw new Truncated();
            }
            return (int) stop;
        }
    };

    private static RowBinaryTypes fixed(int width) {
        return new RowBinaryTypes() {
            @Override
            int skip(byte[] b, int at, int end) throws Truncated {
                if (at + width > end) {
                    throw new Truncated();
                }
                return at + width;
            }

            @Override
            int width() {
                return width;
            }
        };
    }

    /** A varint count, then that many groups of {@code each} (Array: one, Map: key and value). */
    private static RowBinaryTypes repeated(List<RowBinaryTypes> each) {
        return new RowBinaryTypes() {
            @Override
            int skip(byte[] b, int at, int end) throws Truncated {
                long[] n = varint(b, at, end);
                int p = (int) n[1];
                for (long i = 0; i < n[0]; i++) {
                    for (RowBinaryTypes e : each) {
                        p = e.skip(b, p, end);
                    }
                }
                return p;
            }
        };
    }

    /** {value, end}: an unsigned LEB128 varint at {@code at}. */
    static long[] varint(byte[] b, int at, int end) throws Truncated {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at >= end) {
                throw new Truncated();
            }
            byte x = b[at++];
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return new long[] {v, at};
            }
        }
        throw new Truncated();
    }

    /** A type name split into its name and top-level arguments: {@code Map(String, Array(UInt8))} → Map, [String, Array(UInt8)]. */
    record TypeName(String text, String name, List<String> args) {
        static TypeName of(String type) {
            String t = type.strip();
            int open = t.indexOf('(');
            String name = open < 0 ? t : t.substring(0, open);
            List<String> args = open < 0 || !t.endsWith(")") ? List.of() : arguments(t.substring(open + 1, t.length() - 1));
            return new TypeName(t, name, args);
        }
    }

    /** A Tuple element may be "name Type" (a space before any parenthesis). */
    static String namedElement(String a) {
        String s = a.strip();
        int sp = s.indexOf(' ');
        int paren = s.indexOf('(');
        return sp > 0 && (paren < 0 || sp < paren) ? s.substring(sp + 1) : s;
    }

    /** Splits type arguments on top-level commas (ignoring those inside parentheses and quotes). */
    static List<String> arguments(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' && (i == 0 || s.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')') {
                depth--;
            } else if (!quoted && depth == 0 && c == ',') {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return out;
    }
}
