package io.marginflow.common.net;

/** The {@link RowCopy} without the Vector API: {@link System#arraycopy}. */
final class ArrayRowCopy implements RowCopy {

  @Override
  public void copy(double[] src, int from, double[] dst, int to, int n) {
    System.arraycopy(src, from, dst, to, n);
  }

  @Override
  public String name() {
    return "arraycopy";
  }
}
