package org.chspool.replay;

import org.chspool.clickhouse.ClickHouseFailure;
import org.chspool.clickhouse.InsertForm;
import org.chspool.spool.InsertShape;
import org.chspool.spool.InsertShapes;
import org.chspool.spool.ShapedPayload;
import org.chspool.spool.SpoolBatch;

/**
 * What a batch's rows are for the sink: the {@link InsertForm} their shape says (format, column list,
 * settings) and how many bytes of each payload are the spool's tag. Every row of a frozen batch has the
 * same shape (batches are formed up to the first change of shape, see {@link #homogeneous}).
 *
 * @param form how the rows are inserted
 * @param skip tag bytes at the head of each payload
 */
record ShapedRows(InsertForm form, int skip) {
    /** The form of {@code rows} (not empty); throws PERMANENT for a shape id the spool does not know. */
    static ShapedRows of(InsertShapes shapes, SpoolBatch rows) throws ClickHouseFailure {
        byte[] first = rows.payloads().get(0);
        InsertShape shape = shapes.of(first);
        if (shape == null) {
            throw new ClickHouseFailure(ClickHouseFailure.Kind.PERMANENT, 0, 0, "the rows' insert shape "
                    + ShapedPayload.shapeOf(first) + " is not in this spool file", null);
        }
        InsertForm form = shape.equals(InsertShape.JSON_EACH_ROW) ? InsertForm.JSON_EACH_ROW
                : new InsertForm(shape.format(), shape.columns(), shape.settings());
        return new ShapedRows(form, ShapedPayload.tagLength(first));
    }

    /** The leading rows of {@code rows} that share the first row's shape: what one batch may hold. */
    static SpoolBatch homogeneous(SpoolBatch rows) {
        int n = ShapedPayload.sameShapePrefix(rows);
        return n == rows.size() ? rows : rows.slice(0, n);
    }

}
