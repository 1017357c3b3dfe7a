package org.chspool.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DeliveryRatesTest {
    private static final long S = 1_000_000_000L;

    @Test
    void rateIsTheDeltaOverTheWindowNotTheLifetimeAverage() {
        DeliveryRates rates = new DeliveryRates();
        rates.record(0, Map.of("t", 0L));
        for (int s = 1; s <= 100; s++) {
            rates.record(s * S, Map.of("t", s <= 90 ? 0L : (s - 90) * 50L));
        }
        // 50 rows/s over the last 10 s, although the lifetime average is 5 rows/s
        assertEquals(50.0, rates.perSecond(100 * S, Map.of("t", 500L)).get("t"), 1e-9);
    }

    @Test
    void stalledTableDropsToZero() {
        DeliveryRates rates = new DeliveryRates();
        for (int s = 0; s <= 20; s++) {
            rates.record(s * S, Map.of("t", 1000L));
        }
        assertEquals(0.0, rates.perSecond(20 * S, Map.of("t", 1000L)).get("t"));
    }

    @Test
    void noRateBeforeTheFirstSampleIsOldEnough() {
        DeliveryRates rates = new DeliveryRates();
        rates.record(0, Map.of());
        assertEquals(0.0, rates.perSecond(S / 10, Map.of("t", 10L)).get("t"));
    }
}
