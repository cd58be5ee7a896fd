package io.marginflow.common.net;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatMaxPool2} on the incubating Vector API, {@code W} windows per iteration with W = the
 * long lanes of {@link #FLOATS}'s shape: an input row pair is loaded as 2W floats per row, ReLU is
 * a lane-wise int max with 0 on the bits (negatives, −0.0 and sign-set NaNs become +0.0, as {@code
 * reluBits}), and the view as longs puts each window's left input in the low and its right input in
 * the high half of one lane, where the scalar comparisons run lane-wise. Groups that hold a NaN are
 * left to the scalar loop (z = max(pre, 0) keeps a NaN pre's bits there). The lane results leave
 * through the caller's scratch array (int 2i of each long-lane vector): with a long → int lane
 * conversion instead, JDK 17 did not intrinsify it and boxed the vectors (allocation per window).
 */
final class VectorFloatMaxPool2 implements FloatMaxPool2 {

  /**
   * At most 256 bits (4 windows): the rows of Lyu–Li's CNN have 12 and 5 windows, and 8-wide
   * vectors left a third of the first pool to the scalar tail (1.7 ms against 1.2 ms per 100
   * images, one core).
   */
  private static final VectorSpecies<Float> FLOATS =
      FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256
          ? FloatVector.SPECIES_256
          : FloatVector.SPECIES_PREFERRED;

  private static final VectorSpecies<Long> LONGS =
      VectorSpecies.of(long.class, VectorShape.forBitSize(FLOATS.vectorBitSize()));

  /** Windows per iteration (long lanes). */
  private static final int W = LONGS.length();

  private static final long LOW = 0xFFFF_FFFFL;

  private VectorFloatMaxPool2() {}

  /** A new instance, or null when the preferred shape holds fewer than two longs. */
  static FloatMaxPool2 createIfUseful() {
    return W >= 2 ? new VectorFloatMaxPool2() : null;
  }

  @Override
  public String name() {
    return "vector(" + W + " windows)";
  }

  @Override
  public int scratchSize() {
    return 6 * W;
  }

  @Override
  public int row(
      float[] x,
      int p0,
      int origin,
      int inW,
      int outW,
      float[] z,
      int zo,
      int[] argmax,
      int ao,
      float[] derivativeAt,
      float[] derivativeByClass,
      int[] scratch) {
    int body = outW - outW % W;
    if (body == 0) {
      return 0;
    }
    LongVector zero = LongVector.zero(LONGS);
    LongVector one = LongVector.broadcast(LONGS, 1);
    LongVector down = LongVector.broadcast(LONGS, inW);
    LongVector diagonal = LongVector.broadcast(LONGS, inW + 1);
    boolean storeDerivative = derivativeAt != null;
    LongVector positive = LongVector.broadcast(LONGS, bits(derivativeByClass, 2, storeDerivative));
    LongVector atZero = LongVector.broadcast(LONGS, bits(derivativeByClass, 1, storeDerivative));
    LongVector negative = LongVector.broadcast(LONGS, bits(derivativeByClass, 0, storeDerivative));
    int first = p0 - origin;
    for (int ow = 0; ow < body; ow += W) {
      int p = p0 + 2 * ow;
      FloatVector topF = FloatVector.fromArray(FLOATS, x, p);
      FloatVector bottomF = FloatVector.fromArray(FLOATS, x, p + inW);
      if (topF.test(VectorOperators.IS_NAN).or(bottomF.test(VectorOperators.IS_NAN)).anyTrue()) {
        return ow; // the scalar loop keeps NaN's bits
      }
      LongVector topRaw = topF.reinterpretAsLongs();
      LongVector top = topF.reinterpretAsInts().max(0).reinterpretAsLongs();
      LongVector bottom = bottomF.reinterpretAsInts().max(0).reinterpretAsLongs();
      LongVector v0 = top.and(LOW);
      LongVector v1 = top.lanewise(VectorOperators.LSHR, 32);
      LongVector v2 = bottom.and(LOW);
      LongVector v3 = bottom.lanewise(VectorOperators.LSHR, 32);
      LongVector best = zero.blend(one, v1.compare(VectorOperators.GT, v0));
      LongVector m = v0.max(v1);
      best = best.blend(down, v2.compare(VectorOperators.GT, m));
      m = m.max(v2);
      best = best.blend(diagonal, v3.compare(VectorOperators.GT, m));
      m = m.max(v3);
      // m > 0: pre > 0. m = 0: every input is ≤ 0 and the arg-max is the first, p, whose raw bits
      // tell ±0.0 (class 1) from a negative (class 0).
      LongVector sigma =
          negative
              .blend(atZero, topRaw.and(0x7FFF_FFFFL).compare(VectorOperators.EQ, 0))
              .blend(positive, m.compare(VectorOperators.GT, 0));
      // lane i's result sits in int 2i (the low half of long i)
      m.reinterpretAsInts().intoArray(scratch, 0);
      best.reinterpretAsInts().intoArray(scratch, 2 * W);
      sigma.reinterpretAsInts().intoArray(scratch, 4 * W);
      for (int i = 0; i < W; i++) {
        int o = ow + i;
        z[zo + o] = Float.intBitsToFloat(scratch[2 * i]); // max(pre, 0): no NaN here
        argmax[ao + o] = first + 2 * o + scratch[2 * W + 2 * i];
      }
      if (storeDerivative) {
        for (int i = 0; i < W; i++) {
          derivativeAt[ao + ow + i] = Float.intBitsToFloat(scratch[4 * W + 2 * i]);
        }
      }
    }
    return body;
  }

  private static long bits(float[] table, int i, boolean wanted) {
    return wanted ? Float.floatToRawIntBits(table[i]) & LOW : 0L;
  }
}
