package io.marginflow.common.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies of short runs of doubles, as im2col makes them (one input row segment per copy: 10 doubles
 * for the second conv of Lyu–Li's CNN, 24 for its first). Two implementations, the same bytes:
 * Vector API ({@link VectorRowCopy}, whole vectors and an overlapping last one, under the rule of
 * {@link VectorKernelChoice}) and {@link System#arraycopy} ({@link ArrayRowCopy}), whose call costs
 * more than the copy at these lengths.
 */
sealed interface RowCopy permits ArrayRowCopy, VectorRowCopy {

  /** dst[to … to + n) = src[from … from + n); the arrays are distinct. */
  void copy(double[] src, int from, double[] dst, int to, int n);

  /** A short name for logs, e.g. {@code arraycopy} or {@code vector(8 doubles)}. */
  String name();

  /** The implementation chosen for this JVM. */
  static RowCopy get() {
    return Holder.INSTANCE;
  }

  /** Lazy holder: the choice is made (and logged) once, on first use. */
  final class Holder {
    private static final Logger LOG = LoggerFactory.getLogger(RowCopy.class);
    static final RowCopy INSTANCE =
        VectorKernelChoice.choose(
            () -> VectorRowCopy.createIfUseful(), // a lambda: not resolved before the check
            ArrayRowCopy::new,
            RowCopy::name,
            LOG,
            "im2col row copies");

    private Holder() {}
  }
}
