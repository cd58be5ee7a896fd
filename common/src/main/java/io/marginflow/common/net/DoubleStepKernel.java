package io.marginflow.common.net;

import io.marginflow.common.data.RowBlock;

/** The double-precision {@link StepKernel}: {@link Network}'s own kernels on one workspace. */
final class DoubleStepKernel implements StepKernel {

  private final Network network;
  private final Workspace workspace;

  DoubleStepKernel(Workspace workspace) {
    this.network = workspace.network;
    this.workspace = workspace;
  }

  @Override
  public void forward(RowBlock block, double[] theta, double[] out) {
    network.forward(block, theta, workspace, out);
  }

  @Override
  public void backwardWeighted(RowBlock block, double[] theta, double[] coef, double[] gradInOut) {
    network.backwardWeighted(block, theta, workspace, coef, gradInOut);
  }

  @Override
  public Network network() {
    return network;
  }
}
