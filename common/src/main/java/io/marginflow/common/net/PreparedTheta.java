package io.marginflow.common.net;

/**
 * θ-dependent work that every {@link StepKernel} of a network would otherwise redo for the same θ
 * (the single kernels' normalized float copy of the weights), done once by {@link
 * StepKernel#prepare} and read by the kernels of other threads through {@link StepKernel#share}.
 * Read-only while shared; valid for the θ it was prepared from, until that kernel prepares again.
 */
public interface PreparedTheta {}
