package org.chspool.admin;

import java.time.Duration;
import org.chspool.config.AgentConfig;

/**
 * Thresholds of the verdict (see {@link HealthCheck}). Immutable.
 *
 * @param downAfter how long ClickHouse may be unreachable before the verdict is DOWN
 * @param alertAge oldest-row age from which a table makes the verdict DEGRADED ({@code CH_ALERT_AGE_S})
 * @param spoolCap the spool's byte cap ({@code CH_SPOOL_MAX_BYTES})
 * @param fullRatio fraction of the cap from which the spool counts as nearly full
 * @param minFreeBytes free disk below which the verdict is DEGRADED ({@code CH_VACUUM_MIN_FREE_BYTES})
 */
public record HealthPolicy(Duration downAfter, Duration alertAge, long spoolCap, double fullRatio, long minFreeBytes) {
    /** ClickHouse may be away this long (a restart, a short network cut) before the agent reports DOWN. */
    public static final Duration DEFAULT_DOWN_AFTER = Duration.ofSeconds(60);
    public static final double DEFAULT_FULL_RATIO = 0.9;

    public static HealthPolicy from(AgentConfig c) {
        return new HealthPolicy(c.downAfter(), c.alertAge(), c.spoolMaxBytes(), DEFAULT_FULL_RATIO,
                c.vacuumMinFreeBytes());
    }

    public HealthPolicy withDownAfter(Duration d) {
        return new HealthPolicy(d, alertAge, spoolCap, fullRatio, minFreeBytes);
    }
}
