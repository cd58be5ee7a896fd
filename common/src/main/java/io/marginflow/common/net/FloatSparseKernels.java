package io.marginflow.common.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-precision inner loops of a CSR block entering a dense first layer ({@link
 * SingleStepKernel}): the float twins of {@link SparseAxpyKernels}, on W₁ᵀ stored p × ld in a
 * {@code float[]}. The CSR values stay {@code double} and are rounded to float as they are read.
 * Two implementations give the same bits by the same fma order: Vector API ({@link
 * VectorFloatSparseKernels}, when {@code jdk.incubator.vector} is in the boot layer and {@code
 * -Dmarginflow.kernels.vector=false} is not set) and plain Java ({@link ScalarFloatSparseKernels}).
 */
sealed interface FloatSparseKernels permits ScalarFloatSparseKernels, VectorFloatSparseKernels {

  /** A short name for reports, e.g. {@code scalar} or {@code vector(16x32bit)}. */
  String name();

  /**
   * z[r·m + o] (r &lt; rows, o &lt; m) = bias[o] (0 when bias is null) plus Σ over the non-zeros
   * (j, v) of row r of (float) v · wt[j·ld + o], fused in CSR order. Writes z only.
   */
  void forward(
      int rows,
      int[] ptr,
      int[] col,
      double[] val,
      float[] wt,
      int ld,
      int m,
      float[] bias,
      float[] z);

  /**
   * gt[j·ld + o] += Σ over rows r ascending and their non-zeros (j, v) of (float) v · dz[r·m + o],
   * fused element by element. Modifies gt; may use {@code csc}.
   */
  void backward(
      int rows,
      int features,
      int[] ptr,
      int[] col,
      double[] val,
      float[] dz,
      int m,
      float[] gt,
      int ld,
      FloatCscScratch csc);

  /** Row stride of the float W₁ᵀ tables: m below 64, else m rounded up to 16 plus one line. */
  static int leadingDimension(int m) {
    return m < 64 ? m : ((m + 15) & ~15) + 16;
  }

  /** The implementation chosen for this JVM. */
  static FloatSparseKernels get() {
    return Holder.INSTANCE;
  }

  /** Lazy holder: the choice is made (and logged) once, on first use. */
  final class Holder {
    private static final Logger LOG = LoggerFactory.getLogger(FloatSparseKernels.class);
    static final FloatSparseKernels INSTANCE = select();

    private Holder() {}

    private static FloatSparseKernels select() {
      // a lambda, not a method reference: the vector class must not be resolved before the check
      return VectorKernelChoice.choose(
          () -> VectorFloatSparseKernels.createIfUseful(),
          ScalarFloatSparseKernels::new,
          FloatSparseKernels::name,
          LOG,
          "Single-precision sparse first-layer kernels");
    }
  }
}
