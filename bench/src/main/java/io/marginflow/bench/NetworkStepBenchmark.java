package io.marginflow.bench;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.net.BlasInfo;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.Workspace;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One block through {@link Network#forward} and {@link Network#backwardWeighted} (the per-partition
 * work of an SGD step), and forward alone. One operation = one block of {@link Workload#rows()}
 * rows.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class NetworkStepBenchmark {

  @Param({"mlp-dense", "mlp-sparse", "cnn"})
  public String workload;

  private Network net;
  private RowBlock block;
  private double[] theta;
  private Workspace ws;
  private double[] out;
  private double[] coef;
  private double[] grad;

  /** Builds the network, data and workspace, and warms the workspace up. */
  @Setup
  public void setUp() {
    Workload w = Workload.of(workload);
    net = w.network();
    block = w.block(7);
    theta = w.theta(net);
    ws = net.newWorkspace();
    out = new double[block.rows()];
    coef = new double[block.rows()];
    SplittableRandom rnd = new SplittableRandom(8);
    for (int r = 0; r < coef.length; r++) {
      coef[r] = rnd.nextDouble() - 0.5;
    }
    grad = new double[net.parameterCount()];
    net.forward(block, theta, ws, out);
    net.backwardWeighted(block, theta, ws, coef, grad);
    System.out.println(
        "# BLAS: "
            + BlasInfo.implementation()
            + ", workload "
            + w.key()
            + " = "
            + w.spec()
            + ", rows/block = "
            + w.rows());
  }

  /** forward + weighted backward of one block. */
  @Benchmark
  public double step() {
    net.forward(block, theta, ws, out);
    net.backwardWeighted(block, theta, ws, coef, grad);
    return out[0] + grad[0];
  }

  /** forward of one block. */
  @Benchmark
  public double forward() {
    net.forward(block, theta, ws, out);
    return out[0];
  }
}
