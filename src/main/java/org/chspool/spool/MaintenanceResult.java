package org.chspool.spool;

import java.time.Instant;

/**
 * What one maintenance run did: whether it checkpointed and/or vacuumed, file and WAL sizes before
 * and after, and why a step was skipped or failed. Immutable; kept for the status view.
 */
public record MaintenanceResult(Instant at, boolean checkpointed, boolean vacuumed, long fileBytesBefore,
                                long fileBytesAfter, long walBytesBefore, long walBytesAfter, String note,
                                String error) {
    public boolean ok() {
        return error == null;
    }

    /** One line for logs and status, e.g. {@code checkpointed WAL 70.0 MiB -> 0 B; vacuum skipped: queue not empty}. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(checkpointed ? "checkpointed WAL " + Bytes.human(walBytesBefore) + " -> " + Bytes.human(walBytesAfter)
                : "no checkpoint needed (WAL " + Bytes.human(walBytesBefore) + ")");
        sb.append("; ").append(vacuumed ? "vacuumed " + Bytes.human(fileBytesBefore) + " -> " + Bytes.human(fileBytesAfter)
                : "vacuum skipped: " + note);
        if (error != null) {
            sb.append("; error: ").append(error);
        }
        return sb.toString();
    }
}
