package org.chspool.http.formats;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a Native column of a ClickHouse type ends, for a block of {@code rows} rows: fixed widths times
 * rows, {@code rows} varint-prefixed strings, Nullable's null map then the inner column, Array's
 * {@code rows} UInt64 end offsets then the inner column of the last offset's length, Map as
 * Array(Tuple(K, V)), Tuple's element columns one after the other. Enough to check a Native body's blocks
 * and count their rows without decoding values; a type outside this grammar (LowCardinality, whose
 * Native form carries dictionaries, Object, Variant, …) is answered by {@link #parse} with null. Immutable.
 */
abstract class NativeColumns {
    private NativeColumns() {}

    /** Skips {@code rows} values of the column starting at {@code at}; returns where the column ends. */
    abstract int skip(byte[] b, int at, int end, long rows) throws RowBinaryTypes.Truncated;

    /** The skipper of a type name, or null for a type the agent cannot walk in Native. */
    static NativeColumns parse(String type) {
        RowBinaryTypes.TypeName tn = RowBinaryTypes.TypeName.of(type);
        String name = tn.name();
        List<String> args = tn.args();
        switch (name) {
            case "String" -> {
                return new NativeColumns() {
                    @Override
                    int skip(byte[] b, int at, int end, long rows) throws RowBinaryTypes.Truncated {
                        for (long i = 0; i < rows; i++) {
                            long[] n = RowBinaryTypes.varint(b, at, end);
                            long stop = n[1] + n[0];
                            if (stop > end) {
                                throw new RowBinaryTypes.Truncated();
                            }
                            at = (int) stop;
                        }
                        return at;
                    }
                };
            }
            case "Nullable" -> {
                NativeColumns inner = args.size() == 1 ? parse(args.get(0)) : null;
                return inner == null ? null : new NativeColumns() {
                    @Override
                    int skip(byte[] b, int at, int end, long rows) throws RowBinaryTypes.Truncated {
                        return inner.skip(b, fixed(at, end, rows), end, rows);
                    }
                };
            }
            case "Array", "Map" -> {
                NativeColumns inner;
                if (name.equals("Array")) {
                    inner = args.size() == 1 ? parse(args.get(0)) : null;
                } else {
                    inner = args.size() == 2 ? parse("Tuple(" + args.get(0) + ", " + args.get(1) + ")") : null;
                }
                return inner == null ? null : new NativeColumns() {
                    @Override
                    int skip(byte[] b, int at, int end, long rows) throws RowBinaryTypes.Truncated {
                        int offsets = fixed(at, end, rows * 8);
                        long last = 0;
                        if (rows > 0) {
                            int p = offsets - 8;
                            for (int i = 7; i >= 0; i--) {
                                last = last << 8 | (b[p + i] & 0xffL);
                            }
                        }
                        if (last < 0 || last > Integer.MAX_VALUE) {
                            throw new RowBinaryTypes.Truncated();
                        }
                        return inner.skip(b, offsets, end, last);
                    }
                };
            }
            case "Tuple" -> {
                List<NativeColumns> elements = new ArrayList<>();
                for (String a : args) {
                    NativeColumns e = parse(RowBinaryTypes.namedElement(a));
                    if (e == null) {
                        return null;
                    }
                    elements.add(e);
                }
                return elements.isEmpty() ? null : new NativeColumns() {
                    @Override
                    int skip(byte[] b, int at, int end, long rows) throws RowBinaryTypes.Truncated {
                        for (NativeColumns e : elements) {
                            at = e.skip(b, at, end, rows);
                        }
                        return at;
                    }
                };
            }
            default -> {
                int width = RowBinaryTypes.fixedWidth(tn.text());
                return width <= 0 ? null : new NativeColumns() {
                    @Override
                    int skip(byte[] b, int at, int end, long rows) throws RowBinaryTypes.Truncated {
                        return fixed(at, end, rows * width);
                    }
                };
            }
        }
    }

    private static int fixed(int at, int end, long bytes) throws RowBinaryTypes.Truncated {
        if (bytes < 0 || at + bytes > end) {
            throw new RowBinaryTypes.Truncated();
        }
        return (int) (at + bytes);
    }
}
