package io.marginflow.common.net;

/** The {@link FloatMaxPool2} without the Vector API: leaves every window to the scalar loop. */
final class ScalarFloatMaxPool2 implements FloatMaxPool2 {

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public int row(
      float[] x,
      int p0,
      int origin,
      int inW,
      int outW,
      float[] z,
      int zo,
      int[] argmax,
      int ao,
      float[] derivativeAt,
      float[] derivativeByClass,
      long[] scratch) {
    return 0;
  }

  @Override
  public int scratchSize() {
    return 0;
  }
}
