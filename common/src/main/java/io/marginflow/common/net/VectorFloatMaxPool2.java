package io.marginflow.common.net;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatMaxPool2} on the incubating Vector API, {@code W} windows per iteration with W = the
 * long lanes of {@link #FLOATS}'s shape: an input row pair is loaded as 2W floats per row, ReLU is
 * the view as longs (the one reinterpretation) puts each window's left input in the low and its
 * right input in the high half of one lane, ReLU on the bits is a compare and blend there
 * (negatives, −0.0 and sign-set NaNs become +0.0, as {@code reluBits}), and the scalar comparisons
 * run lane-wise (compare and blend, no long max: AVX2 has none). Groups that hold a NaN are left to
 * the scalar loop (z = max(pre, 0) keeps a NaN pre's bits there). The lane results leave through
 * the caller's long scratch array, without reinterpretation: in the full test suite, where other
 * code had run the Vector API on other shapes, the int view on the way out boxed three vectors per
 * iteration.
 */
final class VectorFloatMaxPool2 implements FloatMaxPool2 {

  /**
   * The preferred shape, as every other Vector API kernel here uses (sparse kernels, the double
   * pool): with 256-bit vectors here (4 windows, which suit the 12-window rows of Lyu–Li's CNN
   * better) and 512-bit ones elsewhere, the JIT's shared call sites inside the Vector API saw two
   * shapes and this pool boxed a vector per iteration in the full test suite.
   */
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

  private static final VectorSpecies<Long> LONGS =
      VectorSpecies.of(long.class, VectorShape.forBitSize(FLOATS.vectorBitSize()));

  /** Windows per iteration (long lanes). */
  private static final int W = LONGS.length();

  private static final long LOW = 0xFFFF_FFFFL;

  private static final long SIGN = 0x8000_0000L;

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
    return W;
  }

  /** ReLU on the bits of a float held zero-extended in a long: a set sign bit gives +0.0. */
  private static LongVector relu(LongVector bits, LongVector zero) {
    return bits.blend(zero, bits.compare(VectorOperators.GE, SIGN));
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
      long[] scratch) {
    // a row of fewer than W windows (Lyu–Li's second pool: 5) is one group whose lanes past the
    // row are computed from whatever follows it and not stored: 2W floats must be readable
    int lanes = Math.min(W, outW);
    if (outW < W && p0 + inW + 2 * W > x.length) {
      return 0;
    }
    LongVector zero = LongVector.zero(LONGS);
    // each lane leaves as one long: ReLU's bits (low 32), the arg-max's position in the window
    // (bits 32–33: 0 p, 1 p + 1, 2 p + W, 3 p + W + 1) and σ''s sign class (bits 34–35)
    LongVector right = LongVector.broadcast(LONGS, 1L << 32);
    LongVector down = LongVector.broadcast(LONGS, 2L << 32);
    LongVector diagonal = LongVector.broadcast(LONGS, 3L << 32);
    LongVector positive = LongVector.broadcast(LONGS, 2L << 34);
    LongVector atZero = LongVector.broadcast(LONGS, 1L << 34);
    boolean storeDerivative = derivativeAt != null;
    int first = p0 - origin;
    int ow = 0;
    while (ow < outW) {
      // the last group ends at the row's end, overlapping the one before (its windows get the same
      // values again): no scalar tail
      int g = Math.max(0, Math.min(ow, outW - W));
      int p = p0 + 2 * g;
      FloatVector topF = FloatVector.fromArray(FLOATS, x, p);
      FloatVector bottomF = FloatVector.fromArray(FLOATS, x, p + inW);
      if (topF.test(VectorOperators.IS_NAN).or(bottomF.test(VectorOperators.IS_NAN)).anyTrue()) {
        return ow; // the scalar loop keeps NaN's bits
      }
      // one reinterpretation per input, none on the way out: each long lane holds a window's left
      // input's bits in its low and its right input's in its high half
      LongVector top = (LongVector) topF.reinterpretShape(LONGS, 0);
      LongVector bottom = (LongVector) bottomF.reinterpretShape(LONGS, 0);
      LongVector topLeft = top.and(LOW);
      LongVector v0 = relu(topLeft, zero);
      LongVector v1 = relu(top.lanewise(VectorOperators.LSHR, 32), zero);
      LongVector v2 = relu(bottom.and(LOW), zero);
      LongVector v3 = relu(bottom.lanewise(VectorOperators.LSHR, 32), zero);
      VectorMask<Long> gt = v1.compare(VectorOperators.GT, v0);
      LongVector best = zero.blend(right, gt);
      LongVector m = v0.blend(v1, gt);
      gt = v2.compare(VectorOperators.GT, m);
      best = best.blend(down, gt);
      m = m.blend(v2, gt);
      gt = v3.compare(VectorOperators.GT, m);
      best = best.blend(diagonal, gt);
      m = m.blend(v3, gt);
      // m > 0: pre > 0 (class 2). m = 0: every input is ≤ 0 and the arg-max is the first, p, whose
      // raw bits tell ±0.0 (class 1) from a negative (class 0).
      LongVector sigma =
          zero.blend(atZero, topLeft.and(0x7FFF_FFFFL).compare(VectorOperators.EQ, 0))
              .blend(positive, m.compare(VectorOperators.GT, 0));
      m.or(best).or(sigma).intoArray(scratch, 0);
      for (int i = 0; i < lanes; i++) {
        int o = g + i;
        long packed = scratch[i];
        int position = (int) (packed >>> 32) & 3;
        z[zo + o] = Float.intBitsToFloat((int) packed); // max(pre, 0): no NaN here
        argmax[ao + o] = first + 2 * o + (position & 1) + (position >> 1) * inW;
      }
      if (storeDerivative) {
        for (int i = 0; i < lanes; i++) {
          derivativeAt[ao + g + i] = derivativeByClass[(int) (scratch[i] >>> 34)];
        }
      }
      ow = g + lanes;
    }
    return outW;
  }
}
