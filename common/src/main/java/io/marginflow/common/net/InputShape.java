package io.marginflow.common.net;

/**
 * The shape C×H×W of one sample (or of one layer's activations), stored channel-major (CHW): entry
 * (c, h, w) of a row is at {@code (c * height + h) * width + w}. A fully connected network sees its
 * p features as the shape 1×1×p.
 *
 * @param channels C ≥ 1
 * @param height H ≥ 1
 * @param width W ≥ 1
 */
public record InputShape(int channels, int height, int width) {

  /** Rejects non-positive sizes and shapes with more than {@link Integer#MAX_VALUE} entries. */
  public InputShape {
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "shape: channels, height and width must be >= 1, got "
              + channels
              + "x"
              + height
              + "x"
              + width);
    }
    if ((long) channels * height * width > Integer.MAX_VALUE / 8) {
      throw new IllegalArgumentException(
          "shape: " + channels + "x" + height + "x" + width + " has too many entries");
    }
  }

  /** The flat shape 1×1×p of a feature vector. */
  public static InputShape flat(int features) {
    return new InputShape(1, 1, features);
  }

  /** C·H·W, the number of doubles in one row. */
  public int size() {
    return channels * height * width;
  }

  /** True for 1×1×p. */
  public boolean isFlat() {
    return channels == 1 && height == 1;
  }

  /** {@code CxHxW}. */
  @Override
  public String toString() {
    return channels + "x" + height + "x" + width;
  }
}
