package org.chspool.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CsvFieldsTest {
    private static List<CsvFields.Field> split(String s) {
        return CsvFields.split(s, ',');
    }

    @Test
    void quotedFieldsKeepDelimitersAndDoubledQuotesAreOneQuote() {
        assertEquals(List.of(new CsvFields.Field("a,b", true), new CsvFields.Field("say \"hi\"", true),
                new CsvFields.Field("3", false)), split("\"a,b\",\"say \"\"hi\"\"\",3"));
    }

    @Test
    void emptyFieldsAndANullMarkerAreKeptAsWritten() {
        assertEquals(List.of(new CsvFields.Field("", false), new CsvFields.Field("\\N", false),
                new CsvFields.Field("\\N", true), new CsvFields.Field("", false)), split(",\\N,\"\\N\","));
    }

    @Test
    void aQuoteInsideAnUnquotedFieldIsText() {
        assertEquals(List.of(new CsvFields.Field("5\"", false), new CsvFields.Field("x", false)), split("5\",x"));
    }

    @Test
    void theDelimiterIsTheCallersChoice() {
        assertEquals(List.of(new CsvFields.Field("a,b", false), new CsvFields.Field("c", false)),
                CsvFields.split("a,b;c", ';'));
    }
}
