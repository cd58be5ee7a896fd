package io.marginflow.spark.job;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What one load task reads: partition p of P holds the global rows [⌈p·n/P⌉, ⌈(p+1)·n/P⌉) (rows
 * numbered in file, split, line order), found in the splits whose row ranges meet that range.
 *
 * @param segments the splits to read, in row order, with the rows to skip and to take
 */
public record PartitionPlan(List<Segment> segments) implements Serializable {

  /** Copies the list. */
  public PartitionPlan {
    segments = List.copyOf(segments);
  }

  /**
   * Part of one split.
   *
   * @param split the byte range
   * @param firstRow global index of the split's first row
   * @param lineBase lines of the file before the split (for true line numbers)
   * @param skip rows of the split before the partition's range
   * @param take rows of the split in the partition's range
   */
  public record Segment(LineSplit split, long firstRow, long lineBase, long skip, long take)
      implements Serializable {}

  /** The plans of the P partitions of the rows of {@code files}. */
  public static List<PartitionPlan> of(List<InputFile> files, int partitions) {
    long n = files.stream().mapToLong(InputFile::rows).sum();
    RangeIndexPartitioner ranges = new RangeIndexPartitioner(n, partitions);
    List<List<Segment>> parts = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      parts.add(new ArrayList<>());
    }
    long first = 0;
    for (InputFile f : files) {
      long lineBase = 0;
      for (InputFile.Split s : f.splits()) {
        long end = first + s.rows();
        if (s.rows() > 0) {
          for (int p = ranges.getPartition(first); p <= ranges.getPartition(end - 1); p++) {
            long lo = Math.max(first, ranges.start(p));
            long hi = Math.min(end, p + 1 < partitions ? ranges.start(p + 1) : n);
            if (lo < hi) {
              parts.get(p).add(new Segment(s.range(), first, lineBase, lo - first, hi - lo));
            }
          }
        }
        lineBase += s.lines();
        first = end;
      }
    }
    return parts.stream().map(PartitionPlan::new).toList();
  }
}
