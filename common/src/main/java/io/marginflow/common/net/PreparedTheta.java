package io.marginflow.common.net;

/**
 * θ-dependent work that every {@link StepKernel} of a network would otherwise redo for the same θ
 * (the single kernels' normalized float copy of the weights), done once by {@link
 * StepKernel#prepare} and read by the kernels of other threads through {@link StepKernel#share}.
 * Read-only while shared; valid for the θ it was prepared from, until that kernel prepares again.
 * {@link StepKernel#prepareInParts} leaves its bulk to {@link #fillPart}, for several threads.
 */
public interface PreparedTheta {

  /**
   * After {@link StepKernel#prepareInParts}: does part {@code part} of {@code parts} of the work
   * left (disjoint parts, any threads; every part must be done before the result is shared). A
   * no-op for work that {@link StepKernel#prepareInParts} already finished.
   */
  default void fillPart(double[] theta, int part, int parts) {}
}
