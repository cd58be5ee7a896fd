package io.marginflow.common.io;

import java.util.Arrays;

/**
 * A mutable, reusable holder for one parsed row: its ±1 label and its non-zeros as 0-based sorted
 * feature indices with values. Line parsers fill it; one instance is reused for every line of a
 * partition so that parsing allocates nothing per row once the arrays have grown to the widest row.
 *
 * <p>Only the first {@link #nnz()} entries of {@link #indices()} and {@link #values()} are
 * meaningful. Not thread-safe.
 */
public final class ParsedRow {

  private static final int DEFAULT_CAPACITY = 16;

  private double label = Double.NaN;
  private boolean zeroToken;
  private int nnz;
  private int[] indices;
  private double[] values;

  /** An empty holder with a small initial capacity. */
  public ParsedRow() {
    this(DEFAULT_CAPACITY);
  }

  /** An empty holder able to take {@code capacity} non-zeros before growing. */
  public ParsedRow(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
    }
    indices = new int[capacity];
    values = new double[capacity];
  }

  /** The label, −1.0 or +1.0 (NaN after {@link #clear()}). */
  public double label() {
    return label;
  }

  /**
   * True when the label token was {@code 0} or {@code 0.0} (the 0/1 convention), false for the
   * other tokens; readers use it to refuse files that mix {@code 0} and {@code -1}.
   */
  public boolean zeroLabelToken() {
    return zeroToken;
  }

  /** Number of stored entries. */
  public int nnz() {
    return nnz;
  }

  /** 0-based strictly increasing feature indices; the first {@link #nnz()} entries are valid. */
  public int[] indices() {
    return indices;
  }

  /** Values matching {@link #indices()}; the first {@link #nnz()} entries are valid. */
  public double[] values() {
    return values;
  }

  /** Largest stored index, or −1 when the row has no entries. */
  public int maxIndex() {
    return nnz == 0 ? -1 : indices[nnz - 1];
  }

  /** Forgets the label and the entries (keeps the arrays). */
  public void clear() {
    label = Double.NaN;
    zeroToken = false;
    nnz = 0;
  }

  /** Sets the label and whether its token was the {@code 0} of the 0/1 convention. */
  public void setLabel(double label, boolean zeroToken) {
    this.label = label;
    this.zeroToken = zeroToken;
  }

  /**
   * Appends one entry, growing the arrays when needed. The caller keeps indices strictly increasing
   * (checked with {@code assert}).
   */
  public void append(int index0, double value) {
    assert nnz == 0 || index0 > indices[nnz - 1] : "indices must increase";
    if (nnz == indices.length) {
      int cap = Math.max(DEFAULT_CAPACITY, indices.length * 2);
      indices = Arrays.copyOf(indices, cap);
      values = Arrays.copyOf(values, cap);
    }
    indices[nnz] = index0;
    values[nnz] = value;
    nnz++;
  }
}
