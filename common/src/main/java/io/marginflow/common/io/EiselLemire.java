package io.marginflow.common.io;

import java.math.BigInteger;

/**
 * The Eisel–Lemire algorithm (Lemire, "Number parsing at a gigabyte per second", 2021; as in Go's
 * {@code strconv}): the correctly rounded double of w · 10^q for a 64-bit decimal significand w,
 * with one or two 64×64-bit products against a 128-bit truncated power of ten. Where the result
 * cannot be decided that way (a near-halfway case, subnormal or infinite results, q outside [−348,
 * 347]) it answers NaN and the caller falls back to {@link Double#parseDouble}; whenever it
 * answers, it gives the same bits as {@link Double#parseDouble}.
 */
final class EiselLemire {

  private static final int MIN_EXP10 = -348;
  private static final int MAX_EXP10 = 347;

  /** 128-bit mantissas of 10^q, rounded down, most significant bit set: high and low words. */
  private static final long[] HI = new long[MAX_EXP10 - MIN_EXP10 + 1];

  private static final long[] LO = new long[MAX_EXP10 - MIN_EXP10 + 1];

  static {
    BigInteger mask = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    for (int q = MIN_EXP10; q <= MAX_EXP10; q++) {
      BigInteger top;
      if (q >= 0) {
        BigInteger v = BigInteger.TEN.pow(q);
        int b = v.bitLength();
        top = b >= 128 ? v.shiftRight(b - 128) : v.shiftLeft(128 - b);
      } else {
        BigInteger d = BigInteger.TEN.pow(-q);
        top = BigInteger.ONE.shiftLeft(d.bitLength() + 127).divide(d);
      }
      HI[q - MIN_EXP10] = top.shiftRight(64).longValue();
      LO[q - MIN_EXP10] = top.and(mask).longValue();
    }
  }

  private EiselLemire() {}

  /**
   * The double nearest to {@code w} · 10^{@code q} (negated if {@code negative}), or NaN when the
   * algorithm cannot decide it (then use {@link Double#parseDouble}).
   *
   * @param w the significand, an unsigned 64-bit integer, not 0
   * @param q the decimal exponent
   */
  static double toDouble(long w, int q, boolean negative) {
    if (w == 0 || q < MIN_EXP10 || q > MAX_EXP10) {
      return Double.NaN;
    }
    int clz = Long.numberOfLeadingZeros(w);
    long man = w << clz;
    long retExp2 = ((217706L * q) >> 16) + 64 + 1023 - clz;
    int i = q - MIN_EXP10;
    long xHi = unsignedMultiplyHigh(man, HI[i]);
    long xLo = man * HI[i];
    if ((xHi & 0x1FF) == 0x1FF && Long.compareUnsigned(xLo + man, man) < 0) {
      long yHi = unsignedMultiplyHigh(man, LO[i]);
      long yLo = man * LO[i];
      long mergedHi = xHi;
      long mergedLo = xLo + yHi;
      if (Long.compareUnsigned(mergedLo, xLo) < 0) {
        mergedHi++;
      }
      if ((mergedHi & 0x1FF) == 0x1FF
          && mergedLo + 1 == 0
          && Long.compareUnsigned(yLo + man, man) < 0) {
        return Double.NaN;
      }
      xHi = mergedHi;
      xLo = mergedLo;
    }
    long msb = xHi >>> 63;
    long retMantissa = xHi >>> (msb + 9);
    retExp2 -= 1 ^ msb;
    if (xLo == 0 && (xHi & 0x1FF) == 0 && (retMantissa & 3) == 1) {
      return Double.NaN; // halfway between two doubles: undecided here
    }
    retMantissa += retMantissa & 1;
    retMantissa >>>= 1;
    if ((retMantissa >>> 53) > 0) {
      retMantissa >>>= 1;
      retExp2 += 1;
    }
    if (Long.compareUnsigned(retExp2 - 1, 0x7FF - 1) >= 0) {
      return Double.NaN; // subnormal, zero or infinite: left to Double.parseDouble
    }
    long bits = retExp2 << 52 | (retMantissa & 0x000F_FFFF_FFFF_FFFFL);
    if (negative) {
      bits |= 0x8000_0000_0000_0000L;
    }
    return Double.longBitsToDouble(bits);
  }

  /** The high 64 bits of the unsigned 128-bit product (Java 17 has only the signed one). */
  private static long unsignedMultiplyHigh(long a, long b) {
    return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
  }
}
