package io.marginflow.common.net;

import io.marginflow.common.data.RowBlock;

/**
 * The subgradient oracle of one training step on a row block, in a given {@link Precision}: the
 * network outputs Φ(x_r; θ), then Σ_r coef_r ∇_θΦ(x_r; θ) added to a double gradient. Holds its own
 * scratch: one instance per thread. {@link #backwardWeighted} requires that the last {@link
 * #forward} was on the same block and θ (same objects). NaN in θ or x propagates to the outputs.
 */
public sealed interface StepKernel permits DoubleStepKernel, SingleStepKernel, SingleCnnKernel {

  /** out[r] = Φ(x_r; θ) for every row r &lt; block.rows(). */
  void forward(RowBlock block, double[] theta, double[] out);

  /** gradInOut += Σ_r coef[r]·∇_θΦ(x_r; θ) at the block and θ of the last forward. */
  void backwardWeighted(RowBlock block, double[] theta, double[] coef, double[] gradInOut);

  /** The network this kernel evaluates. */
  Network network();

  /**
   * A kernel for the network of {@code workspace} in {@code precision}; the double kernel works in
   * {@code workspace} itself (so it shares it with the caller's other passes), the single ones
   * ({@link SingleStepKernel} for MLPs, {@link SingleCnnKernel} with conv or pool layers) in float
   * scratch of their own and in {@code workspace} for their double margins.
   */
  static StepKernel of(Workspace workspace, Precision precision) {
    return switch (precision) {
      case DOUBLE -> new DoubleStepKernel(workspace);
      case SINGLE ->
          isMlp(workspace.network.spec())
              ? new SingleStepKernel(workspace)
              : new SingleCnnKernel(workspace);
    };
  }

  private static boolean isMlp(NetworkSpec spec) {
    return spec.layers().stream().allMatch(l -> l instanceof LayerSpec.Dense);
  }
}
