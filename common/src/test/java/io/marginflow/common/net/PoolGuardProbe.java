package io.marginflow.common.net;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Run in its own JVM by {@link PoolAllocationGuardTest}: pools Lyu–Li's first-pool rows with the
 * vector pool under a guard that measures after {@code args[0]} calls and {@code args[1]} ms, next
 * to the scalar loop, until the guard falls back or {@code args[2]} ms have passed, and prints the
 * pool in use at the end and whether every output had the scalar loop's bits.
 */
public final class PoolGuardProbe {
  private PoolGuardProbe() {}

  /** Entry point: {@code warmUpCalls warmUpMillis runMillis [double|late-values]}. */
  public static void main(String[] args) {
    long warmUp = Long.parseLong(args[0]);
    long warmUpNanos = Long.parseLong(args[1]) * 1_000_000L;
    long end = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000L;
    if (args.length > 3 && args[3].equals("double")) {
      probeDouble(warmUp, warmUpNanos, end);
      return;
    }
    if (args.length > 3 && args[3].equals("late-values")) {
      probeLateValues(warmUp, warmUpNanos, end);
      return;
    }
    Network net = Network.parse("cnn:1x28x28-conv32k5-maxpool2-conv64k3-maxpool2-dense1024-dense1");
    PoolLayer pool = (PoolLayer) net.layers[1];
    FloatMaxPool2 vector = VectorFloatMaxPool2.createIfUseful();
    FloatPoolKernel guarded = new FloatPoolKernel(pool, vector, warmUp, warmUpNanos);
    FloatPoolKernel scalar = new FloatPoolKernel(pool, new ScalarFloatMaxPool2());
    int rows = 2;
    SplittableRandom rnd = new SplittableRandom(3);
    float[] x = new float[rows * pool.inSize];
    float[][] z = {new float[rows * pool.outSize], new float[rows * pool.outSize]};
    int[][] argmax = {new int[rows * pool.outSize], new int[rows * pool.outSize]};
    float[][] sigma = {new float[rows * pool.outSize], new float[rows * pool.outSize]};
    boolean same = true;
    // until the guard has fallen back, or the time is up
    while (System.nanoTime() < end && guarded.poolName().startsWith("vector")) {
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) rnd.nextGaussian();
      }
      guarded.forward(0, rows, x, 0, z[0], 0, argmax[0], sigma[0]);
      scalar.forward(0, rows, x, 0, z[1], 0, argmax[1], sigma[1]);
      same &=
          Arrays.equals(z[0], z[1])
              && Arrays.equals(argmax[0], argmax[1])
              && Arrays.equals(sigma[0], sigma[1]);
    }
    System.out.println("pool=" + guarded.poolName() + " sameBits=" + same);
  }

  /** As for the float pool, with the double pool of a {@link Workspace} (one call per channel). */
  private static void probeDouble(long warmUp, long warmUpNanos, long end) {
    Network net = Network.parse("cnn:1x28x28-conv32k5-maxpool2-conv64k3-maxpool2-dense1024-dense1");
    PoolLayer pool = (PoolLayer) net.layers[1];
    Workspace[] ws = {
      new Workspace(net, VectorDoubleMaxPool2.createIfUseful(), warmUp, warmUpNanos),
      new Workspace(net, new ScalarDoubleMaxPool2(), Long.MAX_VALUE, 0)
    };
    int rows = 2;
    SplittableRandom rnd = new SplittableRandom(3);
    double[] x = new double[rows * pool.inSize];
    double[][] z = {new double[rows * pool.outSize], new double[rows * pool.outSize]};
    boolean same = true;
    for (Workspace w : ws) {
      w.ensureRows(rows);
    }
    while (System.nanoTime() < end && ws[0].maxPool2.name().startsWith("vector")) {
      for (int i = 0; i < x.length; i++) {
        x[i] = rnd.nextGaussian();
      }
      for (int k = 0; k < 2; k++) {
        pool.forward(0, rows, x, 0, null, z[k], 0, ws[k]);
      }
      same &=
          Arrays.equals(z[0], z[1])
              && Arrays.equals(ws[0].argmax[pool.index], ws[1].argmax[pool.index]); // + sign class
    }
    System.out.println("pool=" + ws[0].maxPool2.name() + " sameBits=" + same);
  }

  /**
   * The double pool's step pass ({@code plane}) on Lyu–Li's first-pool rows until its guard is warm
   * (calls and time, plus a second), then for {@code end} only its values-only pass ({@code
   * planeValues}, on one row of four windows per call), first called then, as a training run's
   * first full evaluation after warm-up: it starts interpreted, where the Vector API allocates, so
   * it needs a warm-up of its own before the guard may measure it.
   */
  private static void probeLateValues(long warmUp, long warmUpNanos, long end) {
    Network net = Network.parse("cnn:1x28x28-conv32k5-maxpool2-conv64k3-maxpool2-dense1024-dense1");
    PoolLayer pool = (PoolLayer) net.layers[1];
    Workspace[] ws = {
      new Workspace(net, VectorDoubleMaxPool2.createIfUseful(), warmUp, warmUpNanos),
      new Workspace(net, new ScalarDoubleMaxPool2(), Long.MAX_VALUE, 0)
    };
    int rows = 2;
    SplittableRandom rnd = new SplittableRandom(5);
    double[] x = new double[rows * pool.inSize];
    double[][] z = {new double[rows * pool.outSize], new double[rows * pool.outSize]};
    boolean same = true;
    for (Workspace w : ws) {
      w.ensureRows(rows);
    }
    long calls = 0;
    long stepUntil = System.nanoTime() + warmUpNanos + 1_000_000_000L;
    while (calls <= warmUp || System.nanoTime() < stepUntil) {
      for (int i = 0; i < x.length; i++) {
        x[i] = rnd.nextGaussian();
      }
      for (int k = 0; k < 2; k++) {
        pool.forward(0, rows, x, 0, null, z[k], 0, ws[k]);
      }
      calls += rows * pool.channels;
      same &= Arrays.equals(z[0], z[1]);
    }
    int inW = pool.inW;
    while (System.nanoTime() < end && ws[0].maxPool2.name().startsWith("vector")) {
      for (int i = 0; i < 2 * inW; i++) {
        x[i] = rnd.nextGaussian();
      }
      for (int k = 0; k < 2; k++) {
        int done = ws[k].maxPool2.planeValues(x, 0, 0, inW, 4, 1, z[k], 0);
        PoolLayer.maxRow2Relu(x, 0, 0, done, 4, 2, inW, z[k], 0, null, 0, false);
      }
      same &= Arrays.equals(z[0], 0, 4, z[1], 0, 4);
    }
    System.out.println("pool=" + ws[0].maxPool2.name() + " sameBits=" + same);
  }
}
