package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlockBuilder;
import io.marginflow.common.io.ParsedRow;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;

/**
 * The rows of one {@link PartitionPlan} as a lazy stream of blocks: each block is handed on as soon
 * as it is full, so the task that caches a partition never holds more than one block besides what
 * Spark's memory store has already unrolled (a whole-partition list would be a second copy of the
 * partition, or, with float storage, of its double form, before Spark could account for it or spill
 * it). The rows, blocks and row indices are those of a whole-partition read: global indices in
 * (file, split, line) order, the rows before the partition's range skipped.
 *
 * <p>The open split is closed when the stream ends, on {@link #close}, or when the Spark task
 * completes (failed or not). Not thread-safe.
 */
final class PlanBlockStream extends SourceBlockStream {

  private final Iterator<PartitionPlan.Segment> segments;
  private final LineFormat.Parser parser;
  private final int headerLines;
  private final boolean sparse;
  private final HadoopConf conf;
  private final RowBlockBuilder builder;
  private final double[] dense;
  private final ParsedRow row = new ParsedRow();

  // the segment being read
  private PartitionPlan.Segment seg;
  private SplitLineReader in;
  private long index;
  private long end;
  private long skipTo;
  private long lines;

  PlanBlockStream(
      PartitionPlan plan,
      LineFormat format,
      int features,
      boolean sparse,
      int blockRows,
      HadoopConf conf) {
    this.segments = plan.segments().iterator();
    this.parser = format.parser();
    this.headerLines = format.headerLines();
    this.sparse = sparse;
    this.conf = conf;
    this.builder = new RowBlockBuilder(features, sparse, blockRows);
    this.dense = sparse ? null : new double[features];
  }

  /** Reads rows until at least one block is complete or the plan is exhausted. */
  @Override
  boolean fill() throws IOException {
    if (in == null) {
      if (!segments.hasNext()) {
        offer(builder.finish());
        return false;
      }
      open(segments.next());
    }
    CharSequence line;
    while (index < end && (line = in.next()) != null) {
      lines++;
      if (seg.split().start() == 0 && lines <= headerLines) {
        continue;
      }
      if (index < skipTo) { // rows before the range: the scan validated them, just count
        if (!SparkIngest.isBlank(line)) {
          index++;
        }
        continue;
      }
      if (!parser.parse(line, seg.split().uri(), seg.lineBase() + lines, row)) {
        continue;
      }
      index++;
      if (sparse) {
        builder.addSparse(index - 1, row.label(), row.indices(), row.values(), row.nnz());
      } else {
        Arrays.fill(dense, 0.0);
        for (int j = 0; j < row.nnz(); j++) {
          dense[row.indices()[j]] = row.values()[j];
        }
        builder.addDense(index - 1, row.label(), dense);
      }
      offer(builder.drainEmitted());
      if (hasReady()) {
        return true;
      }
    }
    LineSplit split = seg.split();
    in.close();
    in = null;
    if (index < end) {
      throw new IllegalStateException(
          split.uri() + ": split " + split.index() + " holds fewer rows than the scan counted");
    }
    return true;
  }

  private void open(PartitionPlan.Segment next) throws IOException {
    seg = next;
    index = next.firstRow();
    end = next.firstRow() + next.skip() + next.take();
    skipTo = next.firstRow() + next.skip();
    lines = 0;
    in = new SplitLineReader(next.split(), conf, false);
  }

  @Override
  public void close() throws IOException {
    if (in != null) {
      SplitLineReader r = in;
      in = null;
      r.close();
    }
  }
}
