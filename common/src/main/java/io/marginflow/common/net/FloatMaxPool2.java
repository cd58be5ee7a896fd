package io.marginflow.common.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The 2×2, stride-2 max pool on ReLU(x) of {@link FloatPoolKernel}, a row of windows at a time: the
 * hot loop of the single-precision CNN step after the SGEMMs (one output per 5 ns in scalar code).
 * An implementation handles a prefix of the row and returns its length; {@link FloatPoolKernel}
 * does the rest in scalar code, with the same rules (first maximum in scan order p, p+1, p+W,
 * p+W+1, compared as the bits of ReLU(x); z = max(x[best], 0); σ'(pre) at the arg-max). Two
 * implementations give the same bits: Vector API ({@link VectorFloatMaxPool2}, under the rule of
 * {@link VectorKernelChoice} unless {@link #PROPERTY} is false; each kernel falls back to the
 * scalar loop if it still allocates after warm-up, see {@link PoolAllocationGuard}) and none
 * ({@link ScalarFloatMaxPool2}, which leaves the row to the scalar loop).
 */
sealed interface FloatMaxPool2 permits ScalarFloatMaxPool2, VectorFloatMaxPool2 {

  /** A short name for reports, e.g. {@code scalar} or {@code vector(8 windows)}. */
  String name();

  /**
   * Pools windows ow = 0 … (returned count − 1) of one output row whose first window starts at
   * x[p0] (its second input row at p0 + inW): z[zo + ow], argmax[ao + ow] = the arg-max's offset
   * from {@code origin}, and when {@code derivativeAt != null} derivativeAt[ao + ow] = σ'(pre) from
   * {@code derivativeByClass} (indexed by {@link PoolLayer#signClass}). Returns how many windows it
   * did (at most {@code outW}); writes nothing past them.
   */
  int row(
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
      long[] scratch);

  /** Longs of the caller's scratch array {@link #row} needs (one per thread). */
  int scratchSize();

  /**
   * System property that turns the vector pools off, this one and {@link DoubleMaxPool2}'s ({@code
   * false}; default {@code true}, then {@link VectorKernelChoice}'s rule applies). On JDK 17's
   * incubating Vector API the pool allocates boxed vectors until C2 has compiled it (≈ 80 MB per
   * step of Lyu–Li's CNN while it warms up); compiled, it does not (the full test suite checks it,
   * where a former version boxed three vectors per iteration), and {@link PoolAllocationGuard}
   * switches a kernel to the scalar loop if it ever does after warm-up.
   */
  String PROPERTY = "marginflow.kernels.vector-pool";

  /** The implementation chosen for this JVM. */
  static FloatMaxPool2 get() {
    return Holder.INSTANCE;
  }

  /** Lazy holder: the choice is made (and logged) once, on first use. */
  final class Holder {
    private static final Logger LOG = LoggerFactory.getLogger(FloatMaxPool2.class);
    static final FloatMaxPool2 INSTANCE = select();

    private Holder() {}

    private static FloatMaxPool2 select() {
      if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
        FloatMaxPool2 scalar = new ScalarFloatMaxPool2();
        LOG.info("Single-precision 2×2 max pool: {} (-D{}=false)", scalar.name(), PROPERTY);
        return scalar;
      }
      // a lambda, not a method reference: the vector class must not be resolved before the check
      return VectorKernelChoice.choose(
          () -> VectorFloatMaxPool2.createIfUseful(),
          ScalarFloatMaxPool2::new,
          FloatMaxPool2::name,
          LOG,
          "Single-precision 2×2 max pool");
    }
  }
}
