package io.marginflow.common.net;

/**
 * Which BLAS implementation the network kernels use, so that outputs and benchmarks can record it:
 * {@code JNIBLAS} (native, e.g. OpenBLAS through libblas.so.3), {@code VectorBLAS} (pure Java with
 * the incubating Vector API), {@code Java11BLAS}/{@code Java8BLAS} (pure Java). The choice is made
 * once per JVM by dev.ludovic.netlib; {@code -Ddev.ludovic.netlib.blas.allowNative=false} forces
 * pure Java. {@link #sparseKernels()} names the sparse first-layer kernels in use.
 */
public final class BlasInfo {

  private BlasInfo() {}

  /**
   * The simple class name of the BLAS instance in use, e.g. {@code JNIBLAS} or {@code VectorBLAS}.
   */
  public static String implementation() {
    return Blas.INSTANCE.getClass().getSimpleName();
  }

  /**
   * {@link #implementation()}, followed for the native BLAS by the OpenBLAS kernel family pinned
   * through {@code OPENBLAS_CORETYPE} when it is set, e.g. {@code JNIBLAS (OPENBLAS_CORETYPE=
   * SkylakeX)}: OpenBLAS picks its kernels per CPU, and results are bit-comparable only between
   * JVMs that agree on both (manifests and the rows path's driver/executor check record this).
   */
  public static String describe() {
    String impl = implementation();
    String core = System.getenv("OPENBLAS_CORETYPE");
    if (impl.equals("JNIBLAS") && core != null && !core.isBlank()) {
      return impl + " (OPENBLAS_CORETYPE=" + core.strip() + ")";
    }
    return impl;
  }

  /**
   * The sparse first-layer kernels in use: {@code scalar}, or {@code vector(LANESx64bit)} when the
   * module {@code jdk.incubator.vector} is in the boot layer (and {@code
   * -Dmarginflow.kernels.vector=false} is not set).
   */
  public static String sparseKernels() {
    return SparseAxpyKernels.get().name();
  }
}
