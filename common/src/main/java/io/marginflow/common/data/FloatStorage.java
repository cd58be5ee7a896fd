package io.marginflow.common.data;

/**
 * Single-precision storage of cached blocks ({@code --feature-storage float}): {@link #compact}
 * rounds a block's values to the nearest float ({@code (float) v}) and keeps labels as bytes and
 * row indices as a first index, about half the bytes of the double block; {@link #widen} gives a
 * double view of a stored block in this object's reusable arrays for a full pass, and blocks'
 * {@code select} widens only the selected rows. Widening is exact, so every kernel sees the
 * float-rounded data in double and a run equals a double run on those data bit for bit.
 *
 * <p>An instance is scratch for one thread: the view {@link #widen} returns is valid until the next
 * call.
 */
public final class FloatStorage {

  private double[] values = new double[0];
  private double[] labels = new double[0];
  private long[] indices = new long[0];

  /**
   * The block in float storage: dense → {@link FloatDenseBlock}, CSR → {@link FloatCsrBlock}
   * (already-float blocks are returned as they are). Throws when a value overflows float range or
   * the rows' global indices are not contiguous.
   */
  public static RowBlock compact(RowBlock b) {
    if (b instanceof FloatDenseBlock || b instanceof FloatCsrBlock) {
      return b;
    }
    long first = b.rows() == 0 ? 0 : b.rowIndex()[0];
    long[] idx = b.rowIndex();
    for (int r = 0; r < b.rows(); r++) {
      if (idx[r] != first + r) {
        throw new IllegalArgumentException(
            "float storage needs contiguous row indices; row "
                + idx[r]
                + " follows "
                + (first + r - 1));
      }
    }
    byte[] y = labelBytes(b.labels(), b.rows());
    if (b instanceof DenseBlock d) {
      float[] v = round(d.values(), d.rows() * d.features(), d.features(), first);
      return new FloatDenseBlock(d.rows(), d.features(), v, y, first);
    }
    CsrBlock c = (CsrBlock) b;
    float[] v = round(c.values(), c.nonZeros(), -1, first);
    return new FloatCsrBlock(
        c.rows(),
        c.features(),
        java.util.Arrays.copyOf(c.rowPtr(), c.rows() + 1),
        java.util.Arrays.copyOf(c.colIdx(), c.nonZeros()),
        v,
        y,
        first);
  }

  /** The first {@code rows} ±1 labels as bytes, as float blocks store them. */
  static byte[] labelBytes(double[] labels, int rows) {
    byte[] y = new byte[rows];
    for (int r = 0; r < rows; r++) {
      y[r] = (byte) labels[r];
    }
    return y;
  }

  private static float[] round(double[] v, int n, int features, long first) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) v[i];
      if (Float.isInfinite(out[i])) {
        throw new IllegalArgumentException(
            "feature-storage float: value "
                + v[i]
                + (features > 0 ? " of row " + (first + i / features) : "")
                + " is beyond float range (±3.4e38); use --feature-storage double");
      }
    }
    return out;
  }

  /**
   * A double view of {@code b} for one full pass: {@code b} itself when it is stored in double,
   * else a {@link DenseBlock} or {@link CsrBlock} over this object's arrays (the CSR structure is
   * shared with {@code b}). Valid until the next call.
   */
  public RowBlock widen(RowBlock b) {
    if (b instanceof FloatDenseBlock d) {
      int n = d.rows() * d.features();
      ensure(n, d.rows());
      float[] v = d.values();
      for (int i = 0; i < n; i++) {
        values[i] = v[i];
      }
      return new DenseBlock(
          d.rows(),
          d.features(),
          values,
          widenLabels(d.labelBytes(), d.rows(), labels),
          indices(d.firstRow(), d.rows(), indices));
    }
    if (b instanceof FloatCsrBlock c) {
      int n = c.nonZeros();
      ensure(n, c.rows());
      float[] v = c.values();
      for (int i = 0; i < n; i++) {
        values[i] = v[i];
      }
      return new CsrBlock(
          c.rows(),
          c.features(),
          c.rowPtr(),
          c.colIdx(),
          values,
          widenLabels(c.labelBytes(), c.rows(), labels),
          indices(c.firstRow(), c.rows(), indices));
    }
    return b;
  }

  /** {@code b} in double storage, in new arrays when it is a float block (else {@code b}). */
  public static RowBlock toDouble(RowBlock b) {
    if (b instanceof FloatDenseBlock || b instanceof FloatCsrBlock) {
      int[] all = new int[b.rows()];
      for (int r = 0; r < all.length; r++) {
        all[r] = r;
      }
      return b.select(all, all.length);
    }
    return b;
  }

  private void ensure(int n, int rows) {
    if (values.length < n) {
      values = new double[Math.max(n, 2 * values.length)];
    }
    if (labels.length < rows) {
      labels = new double[Math.max(rows, 2 * labels.length)];
      indices = new long[labels.length];
    }
  }

  static double[] widenLabels(byte[] y, int rows, double[] out) {
    for (int r = 0; r < rows; r++) {
      out[r] = y[r];
    }
    return out;
  }

  static long[] indices(long first, int rows, long[] out) {
    for (int r = 0; r < rows; r++) {
      out[r] = first + r;
    }
    return out;
  }
}
