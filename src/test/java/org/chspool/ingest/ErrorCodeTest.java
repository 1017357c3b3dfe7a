package org.chspool.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.HashSet;
import java.util.Set;
import org.chspool.spool.RejectReason;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {
    @Test
    void everySpoolRejectionHasTheWireCodeOfTheSameSpelling() {
        for (RejectReason r : RejectReason.values()) {
            ErrorCode c = ErrorCode.of(r);
            assertNotNull(c, "no wire code for " + r);
            assertEquals(r.code(), c.code());
            assertEquals(r.name(), c.name());
        }
    }

    @Test
    void wireCodesAreDistinctLowerCaseWords() {
        Set<String> seen = new HashSet<>();
        for (ErrorCode c : ErrorCode.values()) {
            assertEquals(c.name().toLowerCase(java.util.Locale.ROOT), c.code());
            assertEquals(true, seen.add(c.code()), c.code());
        }
    }
}
