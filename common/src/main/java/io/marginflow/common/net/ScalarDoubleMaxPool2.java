package io.marginflow.common.net;

/** The {@link DoubleMaxPool2} without the Vector API: leaves every window to the scalar loop. */
final class ScalarDoubleMaxPool2 implements DoubleMaxPool2 {

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public int plane(
      double[] x,
      int p0,
      int origin,
      int inW,
      int outW,
      int outH,
      double[] z,
      int zo,
      int[] argmax,
      int ao,
      boolean withSign,
      long[] scratch) {
    return 0;
  }

  @Override
  public int planeValues(
      double[] x,
      int p0,
      int origin,
      int inW,
      int outW,
      int outH,
      double[] z,
      int zo,
      long[] scratch) {
    return 0;
  }

  @Override
  public int scratchSize() {
    return 0;
  }
}
