package org.chspool.spool;

import java.util.Optional;

/**
 * What asking to quarantine rows did: {@link Moved} them (and what is left of their frozen batch), or
 * {@link Refused}, because they do not fit under {@code CH_QUARANTINE_MAX_BYTES}: then nothing changed,
 * the rows are still queued and their batch still frozen, and the caller backs the table off.
 */
public sealed interface QuarantineOutcome {
    /** The rows moved, and the rest of the batch, re-frozen (empty when every row left). */
    record Moved(int rows, Optional<FrozenBatch> rest) implements QuarantineOutcome {}

    /** Nothing moved: why (the quarantine's size, the cap, and what to do). */
    record Refused(String reason) implements QuarantineOutcome {}
}
