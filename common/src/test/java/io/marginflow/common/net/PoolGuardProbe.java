package io.marginflow.common.net;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Run in its own JVM by {@link PoolAllocationGuardTest}: pools Lyu–Li's first-pool rows with the
 * vector pool under a guard that measures after {@code args[0]} calls and {@code args[1]} ms, for
 * {@code args[2]} ms, next to the scalar loop, and prints the pool in use at the end and whether
 * every output had the scalar loop's bits.
 */
public final class PoolGuardProbe {
  private PoolGuardProbe() {}

  /** Entry point: {@code warmUpCalls warmUpMillis runMillis}. */
  public static void main(String[] args) {
    long warmUp = Long.parseLong(args[0]);
    long warmUpNanos = Long.parseLong(args[1]) * 1_000_000L;
    long end = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000L;
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
    while (System.nanoTime() < end) {
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
}
