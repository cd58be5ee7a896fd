package io.marginflow.common.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The 2×2, stride-2 max pool on ReLU(x) of {@link PoolLayer} (double), a channel at a time: an
 * implementation handles a prefix of every row of the channel and returns its length, and {@link
 * PoolLayer} does the rest in its scalar loop, with the same rules (first maximum in scan order p,
 * p+1, p+W, p+W+1, compared as the bits of ReLU(x); z = max(x[best], 0); the sign class of pre at
 * the arg-max). Two implementations give the same bits: Vector API ({@link VectorDoubleMaxPool2},
 * under the rule of {@link VectorKernelChoice} unless {@link FloatMaxPool2#PROPERTY} is false,
 * watched by a {@link PoolAllocationGuard} in {@link WatchedDoubleMaxPool2}) and none ({@link
 * ScalarDoubleMaxPool2}).
 */
sealed interface DoubleMaxPool2 permits ScalarDoubleMaxPool2, VectorDoubleMaxPool2 {

  /** A short name for reports, e.g. {@code scalar} or {@code vector(4 windows)}. */
  String name();

  /**
   * Pools windows ow = 0 … (returned count − 1) of every output row oh &lt; outH of one channel
   * whose first window starts at x[p0] (row oh's at p0 + 2·oh·inW, its second input row inW
   * further): z[zo + oh·outW + ow], argmax[ao + oh·outW + ow] = the arg-max's offset from {@code
   * origin}, with {@link PoolLayer#signClass} of pre at the arg-max packed above it when {@code
   * withSign} ({@link PoolLayer#SIGN_SHIFT}). Returns how many windows of each row it did (the same
   * for every row, at most {@code outW}); writes nothing past them.
   */
  int plane(
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
      long[] scratch);

  /**
   * As {@link #plane} for a pass that needs the values only ({@link Network#forwardValues}): z
   * only, the same bits. Returns how many windows of each row it did.
   */
  int planeValues(
      double[] x,
      int p0,
      int origin,
      int inW,
      int outW,
      int outH,
      double[] z,
      int zo,
      long[] scratch);

  /** Longs of the caller's scratch array {@link #plane} needs (one per thread). */
  int scratchSize();

  /** The implementation chosen for this JVM ({@link FloatMaxPool2#PROPERTY} turns it off too). */
  static DoubleMaxPool2 get() {
    return Holder.INSTANCE;
  }

  /** Lazy holder: the choice is made (and logged) once, on first use. */
  final class Holder {
    private static final Logger LOG = LoggerFactory.getLogger(DoubleMaxPool2.class);
    static final DoubleMaxPool2 INSTANCE = select();

    private Holder() {}

    private static DoubleMaxPool2 select() {
      if (!Boolean.parseBoolean(System.getProperty(FloatMaxPool2.PROPERTY, "true"))) {
        DoubleMaxPool2 scalar = new ScalarDoubleMaxPool2();
        LOG.info(
            "Double-precision 2×2 max pool: {} (-D{}=false)",
            scalar.name(),
            FloatMaxPool2.PROPERTY);
        return scalar;
      }
      // a lambda, not a method reference: the vector class must not be resolved before the check
      return VectorKernelChoice.choose(
          () -> VectorDoubleMaxPool2.createIfUseful(),
          ScalarDoubleMaxPool2::new,
          DoubleMaxPool2::name,
          LOG,
          "Double-precision 2×2 max pool");
    }
  }
}
