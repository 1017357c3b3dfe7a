package org.chspool.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SqlTest {
    @Test
    void anIdentifierIsBackQuotedWithBackQuotesAndBackslashesEscaped() {
        assertEquals("`plain`", Sql.identifier("plain"));
        assertEquals("`a\\`b`", Sql.identifier("a`b"));
        assertEquals("`a\\\\b`", Sql.identifier("a\\b"));
        assertEquals("`x\\\\\\`y`", Sql.identifier("x\\`y"));
        assertEquals("`a.b`", Sql.identifier("a.b"), "a dot inside a quoted name is part of it, not a qualifier");
        assertEquals("`ünï 名前`", Sql.identifier("ünï 名前"));
    }

    @Test
    void anEmptyIdentifierIsRefusedRatherThanSentAsEmptyBackQuotes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sql.identifier(""));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void aStringLiteralEscapesQuotesBackslashesAndControlCharacters() {
        assertEquals("'it\\'s'", Sql.stringLiteral("it's"));
        assertEquals("'a\\\\b'", Sql.stringLiteral("a\\b"));
        assertEquals("'\\n\\r\\t\\0'", Sql.stringLiteral("\n\r\t\0"));
        assertEquals("''", Sql.stringLiteral(""));
        assertEquals("'`'", Sql.stringLiteral("`"));
    }

    @Test
    void tabSeparatedEscapesAreUndone() {
        assertEquals("a\tb\nc\\d", Sql.unescapeTsv("a\\tb\\nc\\\\d"));
        assertEquals("trailing\\", Sql.unescapeTsv("trailing\\"));
    }
}
