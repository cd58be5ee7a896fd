package io.marginflow.common.net;

/**
 * One token of a {@link NetworkSpec}: a weight layer ({@link Dense}, {@link Conv}) or a pooling
 * layer ({@link Pool}). Each record validates its own numbers; whether it fits the incoming shape
 * is checked by {@link NetworkSpec}.
 */
public sealed interface LayerSpec permits LayerSpec.Dense, LayerSpec.Conv, LayerSpec.Pool {

  /** True for layers that own weights (dense, conv). */
  boolean hasWeights();

  /**
   * The shape this layer produces from {@code in}; throws IllegalArgumentException if it does not
   * fit.
   */
  InputShape outputShape(InputShape in, int position);

  /** The canonical token, e.g. {@code dense256}, {@code conv32k5s2p1}, {@code maxpool2}. */
  String token();

  /**
   * A fully connected layer with {@code width} outputs; it flattens its input (CHW order).
   *
   * @param width number of outputs, ≥ 1
   */
  record Dense(int width) implements LayerSpec {
    /** Rejects width &lt; 1. */
    public Dense {
      if (width < 1) {
        throw new IllegalArgumentException("dense: width must be >= 1, got " + width);
      }
    }

    @Override
    public boolean hasWeights() {
      return true;
    }

    @Override
    public InputShape outputShape(InputShape in, int position) {
      if ((long) in.size() * width > Integer.MAX_VALUE - 64) {
        throw new IllegalArgumentException(
            "layer "
                + position
                + " ("
                + token()
                + "): "
                + in.size()
                + "x"
                + width
                + " weights is too many");
      }
      return InputShape.flat(width);
    }

    @Override
    public String token() {
      return "dense" + width;
    }

    @Override
    public String toString() {
      return token();
    }
  }

  /**
   * A bias-free 2-D convolution (cross-correlation, as in PyTorch) with a square kernel and zero
   * padding on every side.
   *
   * @param channels output channels, ≥ 1
   * @param kernel kernel height = width, ≥ 1
   * @param stride ≥ 1
   * @param padding zero padding on each side, ≥ 0
   */
  record Conv(int channels, int kernel, int stride, int padding) implements LayerSpec {
    /** Rejects out-of-range numbers, naming the field. */
    public Conv {
      if (channels < 1) {
        throw new IllegalArgumentException("conv: channels must be >= 1, got " + channels);
      }
      if (kernel < 1) {
        throw new IllegalArgumentException("conv: kernel must be >= 1, got " + kernel);
      }
      if (stride < 1) {
        throw new IllegalArgumentException("conv: stride must be >= 1, got " + stride);
      }
      if (padding < 0) {
        throw new IllegalArgumentException("conv: padding must be >= 0, got " + padding);
      }
    }

    @Override
    public boolean hasWeights() {
      return true;
    }

    @Override
    public InputShape outputShape(InputShape in, int position) {
      int ph = in.height() + 2 * padding;
      int pw = in.width() + 2 * padding;
      if (kernel > ph || kernel > pw) {
        throw new IllegalArgumentException(
            "layer "
                + position
                + " ("
                + token()
                + "): kernel "
                + kernel
                + "x"
                + kernel
                + " is larger than the padded input "
                + ph
                + "x"
                + pw
                + " (input "
                + in
                + ", padding "
                + padding
                + ")");
      }
      return new InputShape(channels, (ph - kernel) / stride + 1, (pw - kernel) / stride + 1);
    }

    @Override
    public String token() {
      return "conv"
          + channels
          + "k"
          + kernel
          + (stride != 1 ? "s" + stride : "")
          + (padding != 0 ? "p" + padding : "");
    }

    @Override
    public String toString() {
      return token();
    }
  }

  /** Max or average pooling. */
  enum PoolKind {
    /** Maximum over the window; ties go to the first maximum in window scan order. */
    MAX,
    /** Mean over the window. */
    AVG
  }

  /**
   * A pooling layer over square windows, per channel, without padding (no weights; 1-homogeneous).
   *
   * @param kind max or average
   * @param kernel window size, ≥ 1
   * @param stride ≥ 1 (the parser defaults it to the kernel size)
   */
  record Pool(PoolKind kind, int kernel, int stride) implements LayerSpec {
    /** Rejects out-of-range numbers, naming the field. */
    public Pool {
      if (kind == null) {
        throw new IllegalArgumentException("pool: kind must be MAX or AVG, got null");
      }
      if (kernel < 1) {
        throw new IllegalArgumentException("pool: kernel must be >= 1, got " + kernel);
      }
      if (stride < 1) {
        throw new IllegalArgumentException("pool: stride must be >= 1, got " + stride);
      }
    }

    @Override
    public boolean hasWeights() {
      return false;
    }

    @Override
    public InputShape outputShape(InputShape in, int position) {
      if (kernel > in.height() || kernel > in.width()) {
        throw new IllegalArgumentException(
            "layer "
                + position
                + " ("
                + token()
                + "): window "
                + kernel
                + "x"
                + kernel
                + " is larger than the input "
                + in.height()
                + "x"
                + in.width()
                + " (input "
                + in
                + ")");
      }
      return new InputShape(
          in.channels(), (in.height() - kernel) / stride + 1, (in.width() - kernel) / stride + 1);
    }

    @Override
    public String token() {
      return (kind == PoolKind.MAX ? "maxpool" : "avgpool")
          + kernel
          + (stride != kernel ? "s" + stride : "");
    }

    @Override
    public String toString() {
      return token();
    }
  }
}
