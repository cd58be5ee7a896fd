package io.marginflow.spark.job;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Consecutive rows in transit between Spark stages (Parquet rows on their way to the partition of
 * their global indices): rows {@code first, first + 1, …} in CSR form. Shipping a few thousand rows
 * per record instead of one keeps the shuffle's per-record cost out of ingestion.
 *
 * @param first global index of row 0
 * @param labels ±1 labels, one per row
 * @param rowPtr row r's entries are at {@code rowPtr[r] … rowPtr[r+1]-1}
 * @param indices 0-based feature indices
 * @param values matching values
 */
public record RowChunk(long first, double[] labels, int[] rowPtr, int[] indices, double[] values)
    implements Serializable {

  /** Number of rows. */
  public int rows() {
    return labels.length;
  }

  /** Collects rows into chunks of at most {@code capacity} rows. Not thread-safe. */
  static final class Builder {
    private final int capacity;
    private long first = -1;
    private int rows;
    private double[] labels;
    private int[] rowPtr;
    private int[] indices = new int[1024];
    private double[] values = new double[1024];

    Builder(int capacity) {
      this.capacity = capacity;
      this.labels = new double[capacity];
      this.rowPtr = new int[capacity + 1];
    }

    /** True when row {@code index} cannot extend the current chunk (it is full or not next). */
    boolean breaksAt(long index) {
      return rows > 0 && (rows == capacity || index != first + rows);
    }

    boolean isEmpty() {
      return rows == 0;
    }

    /** Appends row {@code index} (the next one of the chunk). */
    void add(long index, double label, int[] idx, double[] val, int nnz) {
      if (rows == 0) {
        first = index;
      }
      int at = rowPtr[rows];
      if (at + nnz > indices.length) {
        int cap = Math.max(at + nnz, 2 * indices.length);
        indices = Arrays.copyOf(indices, cap);
        values = Arrays.copyOf(values, cap);
      }
      System.arraycopy(idx, 0, indices, at, nnz);
      System.arraycopy(val, 0, values, at, nnz);
      labels[rows] = label;
      rowPtr[++rows] = at + nnz;
    }

    /** The chunk so far (trimmed copies); the builder starts a new one. */
    RowChunk take() {
      int nnz = rowPtr[rows];
      RowChunk c =
          new RowChunk(
              first,
              Arrays.copyOf(labels, rows),
              Arrays.copyOf(rowPtr, rows + 1),
              Arrays.copyOf(indices, nnz),
              Arrays.copyOf(values, nnz));
      rows = 0;
      return c;
    }
  }
}
