package org.chspool.http.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.api.Test;

/** The type walkers that check RowBinary rows and Native blocks without ClickHouse. */
class ColumnTypesTest {
    @Test
    void aFixedWidthTypeHasItsWidthHoweverWideAndAVariableOneNone() {
        assertEquals(1, RowBinaryTypes.fixedWidth("UInt8"));
        assertEquals(32, RowBinaryTypes.fixedWidth("Decimal(76, 2)"));
        assertEquals(16, RowBinaryTypes.fixedWidth("FixedString(16)"));
        assertEquals(100, RowBinaryTypes.fixedWidth("FixedString(100)"));
        assertEquals(4096, RowBinaryTypes.fixedWidth("FixedString(4096)"));
        for (String variable : new String[] {"String", "Nullable(UInt8)", "Array(UInt8)", "Map(String, UInt8)",
                "Tuple(UInt8, UInt8)", "LowCardinality(UInt8)", "NoSuchType"}) {
            assertEquals(0, RowBinaryTypes.fixedWidth(variable), variable);
        }
    }

    @Test
    void aNativeColumnOfAWideFixedStringIsWalkedByItsWidth() throws Exception {
        NativeColumns c = NativeColumns.parse("FixedString(100)");
        assertNotNull(c, "FixedString(100) is a known fixed-width type");
        assertEquals(7 + 300, c.skip(new byte[400], 7, 400, 3));
    }
}
