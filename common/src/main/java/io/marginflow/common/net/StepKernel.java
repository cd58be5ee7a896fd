package io.marginflow.common.net;

import io.marginflow.common.data.RowBlock;
import java.util.Arrays;

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

  /**
   * gradOut = Σ_r coef[r]·∇_θΦ(x_r; θ), whatever gradOut held before: the same bits as {@link
   * #backwardWeighted} onto zeros. Kernels may write parts of the gradient without zeroing and
   * reading them first (callers that reuse one buffer per step).
   */
  default void backwardWeightedInto(
      RowBlock block, double[] theta, double[] coef, double[] gradOut) {
    Arrays.fill(gradOut, 0.0);
    backwardWeighted(block, theta, coef, gradOut);
  }

  /**
   * Does now the θ-dependent work this kernel repeats for every θ and returns it for the kernels of
   * other threads ({@link #share}), or null when there is none. The result is valid for this θ
   * until this kernel's next prepare or forward without a share.
   */
  default PreparedTheta prepare(double[] theta) {
    return null;
  }

  /**
   * As {@link #prepare}, but the result may leave its bulk to {@link PreparedTheta#fillPart}, which
   * the caller runs for every part (e.g. on as many threads) before sharing it; {@code norms}, when
   * it holds the layer norms of this very θ ({@link LayerNormsHandoff#publish}), spares the pass
   * that would compute them. Same bits as {@link #prepare}.
   */
  default PreparedTheta prepareInParts(double[] theta, LayerNormsHandoff norms) {
    return prepare(theta);
  }

  /** True if {@link #prepareInParts} uses the layer norms of θ when they are handed to it. */
  default boolean usesLayerNorms() {
    return false;
  }

  /**
   * From now on, the forward passes use {@code prepared} (from {@link #prepare} on a kernel of the
   * same network and precision, for the θ they are given) instead of redoing that work; null
   * returns to doing it. A no-op for kernels that prepare nothing.
   */
  default void share(PreparedTheta prepared) {}

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
