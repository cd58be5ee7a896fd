package io.marginflow.common.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inner loops of the transposed sparse first-layer kernels ({@link SparseKernels}): a CSR block
 * times W₁ᵀ, and the weight gradient accumulated into a transposed p × m scratch. Both tables use a
 * leading dimension {@code ld ≥ m} (see {@link SparseKernels#leadingDimension}).
 *
 * <p>Every implementation computes each output element with the same sequence of correctly rounded
 * fused multiply-adds, so all implementations agree bit for bit:
 *
 * <ul>
 *   <li>forward: s ← b₁[o] (or 0.0); for the non-zeros (j, v) of row r in CSR order, s ← fma(v,
 *       W₁ᵀ[j, o], s); z[r, o] = s;
 *   <li>backward: for rows r ascending and each non-zero (j, v) of r, gᵀ[j, o] ← fma(v, dz[r, o],
 *       gᵀ[j, o]).
 * </ul>
 *
 * <p>{@link #get()} picks one implementation per JVM: {@link VectorSparseKernels} (the incubating
 * Vector API) when the module {@code jdk.incubator.vector} is in the boot layer and the system
 * property {@value #VECTOR_PROPERTY} is not {@code false}, else {@link ScalarSparseKernels}.
 */
sealed interface SparseAxpyKernels permits ScalarSparseKernels, VectorSparseKernels {

  /** System property that disables the vector kernels when set to {@code false}. */
  String VECTOR_PROPERTY = "marginflow.kernels.vector";

  /** A short name for reports, e.g. {@code scalar} or {@code vector(8×f64)}. */
  String name();

  /**
   * z[r·m + o] (r &lt; rows, o &lt; m) = bias[biasOff + o] (0.0 when bias is null) plus Σ over the
   * non-zeros of row r of v·wt[j·ld + o], fused in CSR order. Writes z only.
   */
  void forward(
      int rows,
      int[] ptr,
      int[] col,
      double[] val,
      double[] wt,
      int ld,
      int m,
      double[] bias,
      int biasOff,
      double[] z);

  /**
   * gt[j·ld + o] += Σ over rows r ascending and their non-zeros (j, v) of v·dz[r·m + o], fused
   * element by element. Modifies gt; may use the sparse scratch of ws.
   */
  void backward(
      int rows,
      int features,
      int[] ptr,
      int[] col,
      double[] val,
      double[] dz,
      int m,
      double[] gt,
      int ld,
      Workspace ws);

  /** The implementation chosen for this JVM. */
  static SparseAxpyKernels get() {
    return Holder.INSTANCE;
  }

  /** Lazy holder: the choice is made (and logged) once, on first use. */
  final class Holder {
    private static final Logger LOG = LoggerFactory.getLogger(SparseAxpyKernels.class);
    static final SparseAxpyKernels INSTANCE = select();

    private Holder() {}

    private static SparseAxpyKernels select() {
      // a lambda, not a method reference: the vector class must not be resolved before the check
      return VectorKernelChoice.choose(
          () -> VectorSparseKernels.createIfUseful(),
          ScalarSparseKernels::new,
          SparseAxpyKernels::name,
          LOG,
          "Sparse first-layer kernels");
    }
  }
}
