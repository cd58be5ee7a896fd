package io.marginflow.bench;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.net.BlasInfo;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.Precision;
import io.marginflow.common.net.StepKernel;
import io.marginflow.common.net.Workspace;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
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
 * One block through the step kernel's forward and weighted backward (the per-partition work of an
 * SGD step), and forward alone. One operation = one block of {@link Workload#rows()} rows. {@code
 * precision} is {@code double} by default; {@code -p precision=single} times the float kernels of
 * {@code --precision single} (every workload; the CNN's since session 6).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class NetworkStepBenchmark {

  @Param({"mlp-dense", "mlp-sparse", "cnn"})
  public String workload;

  @Param({"double"})
  public String precision = "double";

  /**
   * {@code Network.forwardValues}, or {@code Network.forward} in {@code common} classes that
   * predate it (a "before" run of {@link PairedComparison}: evaluations called forward then).
   */
  private static final MethodHandle FORWARD_VALUES = forwardValuesHandle();

  private Network net;
  private Workspace valuesWorkspace;
  private RowBlock block;
  private double[] theta;
  private StepKernel kernel;
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
    kernel = StepKernel.of(net.newWorkspace(), Precision.parse(precision));
    out = new double[block.rows()];
    coef = new double[block.rows()];
    SplittableRandom rnd = new SplittableRandom(8);
    for (int r = 0; r < coef.length; r++) {
      coef[r] = rnd.nextDouble() - 0.5;
    }
    grad = new double[net.parameterCount()];
    valuesWorkspace = net.newWorkspace();
    kernel.forward(block, theta, out);
    kernel.backwardWeighted(block, theta, coef, grad);
    System.out.println(
        "# BLAS: "
            + BlasInfo.implementation()
            + ", workload "
            + w.key()
            + ", precision "
            + precision
            + " = "
            + w.spec()
            + ", rows/block = "
            + w.rows());
  }

  /** forward + weighted backward of one block. */
  @Benchmark
  public double step() {
    kernel.forward(block, theta, out);
    kernel.backwardWeighted(block, theta, coef, grad);
    return out[0] + grad[0];
  }

  /** forward of one block. */
  @Benchmark
  public double forward() {
    kernel.forward(block, theta, out);
    return out[0];
  }

  /**
   * forward of one block for its values only (an evaluation's pass: {@code Network.forwardValues},
   * see {@link #FORWARD_VALUES}); in single precision the step kernel's forward.
   */
  @Benchmark
  public double forwardValues() {
    if (!precision.equals("double")) {
      return forward();
    }
    try {
      FORWARD_VALUES.invokeExact(net, block, theta, valuesWorkspace, out);
    } catch (Throwable e) {
      throw new IllegalStateException("forwardValues failed", e);
    }
    return out[0];
  }

  private static MethodHandle forwardValuesHandle() {
    MethodType type =
        MethodType.methodType(
            void.class, RowBlock.class, double[].class, Workspace.class, double[].class);
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    try {
      return lookup.findVirtual(Network.class, "forwardValues", type);
    } catch (NoSuchMethodException e) {
      try {
        return lookup.findVirtual(Network.class, "forward", type);
      } catch (ReflectiveOperationException e2) {
        throw new IllegalStateException(e2);
      }
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
