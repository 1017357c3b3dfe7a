package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdmissionBudgetTest {
    private static final long PUT_TIMEOUT = TimeUnit.MILLISECONDS.toNanos(100);

    @Test
    void beforeAnyMeasurementTheBudgetIsHalfThePutTimeoutAtTheAssumedRate() {
        AdmissionBudget b = new AdmissionBudget(100_000, 1000, PUT_TIMEOUT);
        assertEquals((int) (AdmissionBudget.INITIAL_ROWS_PER_SECOND * 0.05), b.rows());
    }

    @Test
    void theBudgetFollowsTheMeasuredRateOfSaturatedCommits() {
        AdmissionBudget b = new AdmissionBudget(1_000_000, 1000, PUT_TIMEOUT);
        for (int i = 0; i < 200; i++) {
            b.saturatedCommit(20_000, TimeUnit.MILLISECONDS.toNanos(100)); // 200,000 rows/s
        }
        assertEquals(200_000, b.rowsPerSecond(), 1);
        assertEquals(10_000, b.rows(), 1); // what 50 ms commit at that rate
        assertEquals(50, b.drainMillis(10_000));
    }

    @Test
    void smallTransactionsSayNothingAboutTheRate() {
        AdmissionBudget b = new AdmissionBudget(100_000, 1000, PUT_TIMEOUT);
        b.saturatedCommit(1, TimeUnit.MILLISECONDS.toNanos(5)); // one row per fsync: 200 rows/s
        assertEquals(AdmissionBudget.INITIAL_ROWS_PER_SECOND, b.rowsPerSecond());
    }

    @Test
    void theBudgetStaysBetweenTheFloorAndTheStaticCap() {
        AdmissionBudget slow = new AdmissionBudget(100_000, 1000, PUT_TIMEOUT);
        AdmissionBudget fast = new AdmissionBudget(5_000, 1000, PUT_TIMEOUT);
        for (int i = 0; i < 200; i++) {
            slow.saturatedCommit(500, TimeUnit.SECONDS.toNanos(1));        // 500 rows/s
            fast.saturatedCommit(100_000, TimeUnit.MILLISECONDS.toNanos(10)); // 10 M rows/s
        }
        assertEquals(1000, slow.rows());
        assertEquals(5_000, fast.rows());
    }

    @Test
    void aRetryHintIsAtLeastOneMillisecond() {
        assertEquals(1, new AdmissionBudget(100_000, 1000, PUT_TIMEOUT).drainMillis(0));
    }
}
