package io.marginflow.common.net;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowCopy} on the incubating Vector API: a run of at least L doubles (L = the preferred
 * shape's lanes) as whole vectors, the last one ending at the run's end (it may overlap the one
 * before: the same values again); shorter runs by {@link System#arraycopy}. Nothing outside the run
 * is read or written. Lyu–Li's second conv, whose im2col copies runs of 10: 7.6–8.0 ms for its
 * forward over 100 images against 8.0 ms with {@link System#arraycopy} (session 11, under load).
 */
final class VectorRowCopy implements RowCopy {

  private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;

  private static final int L = DOUBLES.length();

  private VectorRowCopy() {}

  /** A new instance, or null when the preferred shape holds fewer than four doubles. */
  static RowCopy createIfUseful() {
    return L >= 4 ? new VectorRowCopy() : null;
  }

  @Override
  public void copy(double[] src, int from, double[] dst, int to, int n) {
    if (n < L) {
      System.arraycopy(src, from, dst, to, n);
      return;
    }
    for (int i = 0; i < n - L; i += L) {
      DoubleVector.fromArray(DOUBLES, src, from + i).intoArray(dst, to + i);
    }
    DoubleVector.fromArray(DOUBLES, src, from + n - L).intoArray(dst, to + n - L);
  }

  @Override
  public String name() {
    return "vector(" + L + " doubles)";
  }
}
