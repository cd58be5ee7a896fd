package io.marginflow.common.net;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DoubleMaxPool2} on the incubating Vector API, {@code W} = L/2 windows per iteration with L
 * = the double lanes of the preferred shape: an input row pair is loaded as L doubles per row and
 * viewed as longs (the one reinterpretation); ReLU on the bits is a compare and blend (negatives,
 * −0.0 become +0.0, as {@code PoolLayer.reluBits}); a rotation by one lane puts each window's right
 * input next to its left one, and the scalar tournament (top pair, bottom pair, then the winners, a
 * later entry winning only when strictly greater: the first maximum in scan order) runs lane-wise
 * as compare and blend on all lanes, of which the even ones are the windows. Groups that hold a NaN
 * go to the scalar loop ({@code PoolLayer.maxRow2Relu}). The even lanes' results leave through the
 * caller's long scratch array, without reinterpretation (as {@link VectorFloatMaxPool2}), two
 * vectors per group: the values, and the arg-max's offset with the sign class packed above it (3.0
 * ns per output of Lyu–Li's first pool against 3.8 ns with three vectors). The values-only pass
 * needs no index: a column max, one rotation and a row max; a row whose width is not a multiple of
 * W ends with a group that overlaps the one before (Lyu–Li's second pool: 5 windows).
 */
final class VectorDoubleMaxPool2 implements DoubleMaxPool2 {

  /**
   * The preferred shape: 512 bits on this project's machine (4 windows per iteration); 256-bit
   * vectors (2 windows) took 2.5 ms instead of 2.1 ms for Lyu–Li's first pool (per-row version).
   */
  private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;

  private static final VectorSpecies<Long> LONGS =
      VectorSpecies.of(long.class, VectorShape.forBitSize(DOUBLES.vectorBitSize()));

  /** Lanes per vector. */
  private static final int L = LONGS.length();

  /** Windows per iteration. */
  private static final int W = L / 2;

  /** Lane i gets lane i + 1 (the last one wraps; odd lanes are not used). */
  private static final VectorShuffle<Long> NEXT = VectorShuffle.iota(LONGS, 1, 1, true);

  private static final long ABS = 0x7FFF_FFFF_FFFF_FFFFL;

  /** 0, 1, …, L − 1: lane i of a group starting at window ow is input position 2·ow + i. */
  private static final long[] LANE = laneIndex();

  private static long[] laneIndex() {
    long[] lane = new long[L];
    for (int i = 0; i < L; i++) {
      lane[i] = i;
    }
    return lane;
  }

  private VectorDoubleMaxPool2() {}

  /** A new instance, or null when the preferred shape holds fewer than four doubles. */
  static DoubleMaxPool2 createIfUseful() {
    return W >= 2 ? new VectorDoubleMaxPool2() : null;
  }

  @Override
  public String name() {
    return "vector(" + W + " windows)";
  }

  @Override
  public int scratchSize() {
    return 3 * L;
  }

  @Override
  public int planeValues(
      double[] x,
      int p0,
      int origin,
      int inW,
      int outW,
      int outH,
      double[] z,
      int zo,
      long[] scratch) {
    if (outW < W) {
      return 0;
    }
    LongVector zero = LongVector.zero(LONGS);
    for (int oh = 0; oh < outH; oh++) {
      int rowP = p0 + oh * 2 * inW;
      int zRow = zo + oh * outW;
      for (int g = 0; g < outW; g += W) {
        int ow = Math.min(g, outW - W); // a last group overlaps the one before: same bits again
        int p = rowP + 2 * ow;
        DoubleVector topD = DoubleVector.fromArray(DOUBLES, x, p);
        DoubleVector bottomD = DoubleVector.fromArray(DOUBLES, x, p + inW);
        if (topD.test(VectorOperators.IS_NAN).or(bottomD.test(VectorOperators.IS_NAN)).anyTrue()) {
          PoolLayer.maxRow2Relu(
              x, origin, rowP - origin, ow, ow + W, 2, inW, z, zRow, null, 0, false);
          continue;
        }
        // values only: the maximum of the four ReLU bits, in any order (ties give equal bits)
        LongVector t = relu((LongVector) topD.reinterpretShape(LONGS, 0), zero);
        LongVector b = relu((LongVector) bottomD.reinterpretShape(LONGS, 0), zero);
        LongVector column = t.blend(b, b.compare(VectorOperators.GT, t));
        LongVector right = column.rearrange(NEXT);
        LongVector m = column.blend(right, right.compare(VectorOperators.GT, column));
        m.intoArray(scratch, 0);
        for (int i = 0; i < W; i++) {
          z[zRow + ow + i] = Double.longBitsToDouble(scratch[2 * i]); // max(pre, 0): no NaN
        }
      }
    }
    return outW;
  }

  /** ReLU on the bits of a double: a set sign bit gives +0.0. */
  private static LongVector relu(LongVector bits, LongVector zero) {
    return bits.blend(zero, bits.compare(VectorOperators.LT, 0));
  }

  @Override
  public int plane(
      double[] x,
      int p0,
      int origin,
      int inW,
      int outW,
      int outH,
      double[] z,
      int zo,
      int[] argmax,
      int ao,
      boolean withSign,
      long[] scratch) {
    int body = outW - outW % W;
    if (body == 0) {
      return 0;
    }
    LongVector zero = LongVector.zero(LONGS);
    // lane i's candidates' offsets from the group's first input: i, i + 1, i + inW, i + inW + 1
    LongVector lane = LongVector.fromArray(LONGS, LANE, 0);
    LongVector right = lane.add(1);
    LongVector down = lane.add(inW);
    LongVector diagonal = lane.add(inW + 1);
    // the sign classes, already shifted into place (PoolLayer.SIGN_SHIFT)
    LongVector atZero = LongVector.broadcast(LONGS, 1L << PoolLayer.SIGN_SHIFT);
    LongVector positive = LongVector.broadcast(LONGS, 2L << PoolLayer.SIGN_SHIFT);
    for (int oh = 0; oh < outH; oh++) {
      int rowP = p0 + oh * 2 * inW;
      int first = rowP - origin;
      int zRow = zo + oh * outW;
      int aRow = ao + oh * outW;
      for (int ow = 0; ow < body; ow += W) {
        int p = rowP + 2 * ow;
        DoubleVector topD = DoubleVector.fromArray(DOUBLES, x, p);
        DoubleVector bottomD = DoubleVector.fromArray(DOUBLES, x, p + inW);
        if (topD.test(VectorOperators.IS_NAN).or(bottomD.test(VectorOperators.IS_NAN)).anyTrue()) {
          // the scalar loop keeps NaN's bits
          PoolLayer.maxRow2Relu(
              x, origin, first, ow, ow + W, 2, inW, z, zRow, argmax, aRow, withSign);
          continue;
        }
        LongVector top = (LongVector) topD.reinterpretShape(LONGS, 0);
        LongVector t = relu(top, zero);
        LongVector b = relu((LongVector) bottomD.reinterpretShape(LONGS, 0), zero);
        LongVector tRight = t.rearrange(NEXT);
        LongVector bRight = b.rearrange(NEXT);
        VectorMask<Long> r = tRight.compare(VectorOperators.GT, t);
        LongVector topMax = t.blend(tRight, r);
        LongVector topBest = lane.blend(right, r);
        VectorMask<Long> s = bRight.compare(VectorOperators.GT, b);
        LongVector bottomMax = b.blend(bRight, s);
        LongVector bottomBest = down.blend(diagonal, s);
        VectorMask<Long> u = bottomMax.compare(VectorOperators.GT, topMax);
        LongVector m = topMax.blend(bottomMax, u);
        LongVector best = topBest.blend(bottomBest, u);
        m.intoArray(scratch, 0);
        // the arg-max's offset from origin, the sign class above it (PoolLayer.SIGN_SHIFT)
        LongVector at = best.add(first + 2 * ow);
        if (withSign) {
          // m > 0: pre > 0. m = 0: every input is ≤ 0 and the arg-max is the first, p, whose raw
          // bits tell ±0.0 (class 1) from a negative (class 0).
          LongVector sign =
              zero.blend(atZero, top.and(ABS).compare(VectorOperators.EQ, 0))
                  .blend(positive, m.compare(VectorOperators.GT, 0));
          at = at.or(sign);
        }
        at.intoArray(scratch, L);
        for (int i = 0; i < W; i++) {
          z[zRow + ow + i] = Double.longBitsToDouble(scratch[2 * i]); // max(pre, 0): no NaN here
          argmax[aRow + ow + i] = (int) scratch[L + 2 * i]; // offset, sign class above it
        }
      }
    }
    return body;
  }
}
