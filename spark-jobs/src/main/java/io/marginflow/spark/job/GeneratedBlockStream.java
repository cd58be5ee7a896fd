package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlockBuilder;
import io.marginflow.common.io.TeacherStudentGenerator;

/**
 * The teacher–student rows [lo, hi) as a lazy stream of blocks, each handed on as soon as it is
 * full (as {@link PlanBlockStream} does for files): the task caching a generated partition holds at
 * most one block beyond what Spark's memory store has unrolled. Row i is {@code gen.row(i)}, so the
 * blocks equal those of building the whole range at once. Not thread-safe.
 */
final class GeneratedBlockStream extends BlockStream {

  private final TeacherStudentGenerator gen;
  private final long hi;
  private final boolean sparse;
  private final RowBlockBuilder builder;
  private final double[] x;
  private final int[] idx;
  private long next;

  GeneratedBlockStream(
      TeacherStudentGenerator gen, long lo, long hi, boolean sparse, int blockRows) {
    int features = gen.config().features();
    this.gen = gen;
    this.hi = hi;
    this.sparse = sparse;
    this.builder = new RowBlockBuilder(features, sparse, blockRows);
    this.x = new double[features];
    this.idx = new int[features];
    for (int j = 0; j < features; j++) {
      idx[j] = j;
    }
    this.next = lo;
  }

  @Override
  boolean fill() {
    while (next < hi) {
      double y = gen.row(next, x);
      if (sparse) {
        builder.addSparse(next, y, idx, x, x.length);
      } else {
        builder.addDense(next, y, x);
      }
      next++;
      offer(builder.drainEmitted());
      if (hasReady()) {
        return true;
      }
    }
    offer(builder.finish());
    return false;
  }
}
