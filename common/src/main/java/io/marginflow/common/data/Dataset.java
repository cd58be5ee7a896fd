package io.marginflow.common.data;

import java.util.List;
import java.util.Objects;

/**
 * A labelled dataset held as row blocks: where it came from, its feature count, its blocks, and its
 * row and positive-label counts. Global row indices are the blocks' business (readers number rows
 * 0..rows−1 in file order).
 *
 * <p>The constructor checks that every block has {@code features} columns, that {@code rows} is the
 * sum of the block rows, that every label is exactly ±1 and that {@code positives} is the number of
 * +1 labels (one pass over the labels).
 *
 * @param source human-readable origin (file path, generator description)
 * @param features number of features of every row
 * @param blocks the row blocks, in row order (copied into an unmodifiable list)
 * @param rows total number of rows
 * @param positives number of rows labelled +1
 */
public record Dataset(
    String source, int features, List<RowBlock> blocks, long rows, long positives) {

  /** Validates shapes and counts. */
  public Dataset {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(blocks, "blocks");
    if (features < 1) {
      throw new IllegalArgumentException("features must be >= 1, got " + features);
    }
    blocks = List.copyOf(blocks); // also rejects null blocks
    long sumRows = 0;
    long sumPositives = 0;
    for (int b = 0; b < blocks.size(); b++) {
      RowBlock block = blocks.get(b);
      if (block.features() != features) {
        throw new IllegalArgumentException(
            "block " + b + " has " + block.features() + " features, dataset declares " + features);
      }
      double[] y = block.labels();
      for (int r = 0; r < block.rows(); r++) {
        if (y[r] == 1.0) {
          sumPositives++;
        } else if (y[r] != -1.0) {
          throw new IllegalArgumentException(
              "block " + b + " row " + r + ": label must be -1.0 or +1.0, got " + y[r]);
        }
      }
      sumRows += block.rows();
    }
    if (rows != sumRows) {
      throw new IllegalArgumentException(
          "rows must equal the sum of block rows " + sumRows + ", got " + rows);
    }
    if (positives != sumPositives) {
      throw new IllegalArgumentException(
          "positives must equal the number of +1 labels " + sumPositives + ", got " + positives);
    }
  }

  /** A dataset whose row and positive counts are computed from the blocks. */
  public static Dataset of(String source, int features, List<RowBlock> blocks) {
    long rows = 0;
    long positives = 0;
    for (RowBlock block : blocks) {
      rows += block.rows();
      double[] y = block.labels();
      for (int r = 0; r < block.rows(); r++) {
        if (y[r] == 1.0) {
          positives++;
        }
      }
    }
    return new Dataset(source, features, blocks, rows, positives);
  }

  /** Number of rows labelled −1. */
  public long negatives() {
    return rows - positives;
  }
}
