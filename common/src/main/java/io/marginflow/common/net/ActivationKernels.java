package io.marginflow.common.net;

/**
 * Element-wise activation passes over whole blocks: forward post = σ(pre), backward d ← d·σ'(pre)
 * with σ'(0) = e.
 *
 * <p>The signs of pre-activations are random, so a branch per element mispredicts about half the
 * time (C2 compiles a double-valued ternary to a jump). Both passes are therefore branch-free and
 * vectorizable: σ uses {@link Math#max}/{@link Math#min}, and σ' is built from the exact sign s =
 * clamp(z·2¹²⁰⁰, −1, 1) ∈ {−1, 0, 1} (the two factors 2⁶⁰⁰ lift even the smallest subnormal to ≥
 * 1): σ'(z) = max(s, 0) + a·max(−s, 0) + e·(1 − s²), which is 1, a or e exactly. NaN propagates.
 */
final class ActivationKernels {

  private static final double LIFT = 0x1p600;

  private ActivationKernels() {}

  /** post[i] = σ(pre[i]) for from ≤ i &lt; to. */
  static void forward(Activation act, double[] pre, double[] post, int from, int to) {
    switch (act.kind()) {
      case RELU -> {
        for (int i = from; i < to; i++) {
          post[i] = Math.max(pre[i], 0.0);
        }
      }
      case LEAKY -> {
        double a = act.slope();
        if (a <= 1.0) { // max(z, a·z) is z for z > 0 and a·z for z < 0
          for (int i = from; i < to; i++) {
            double z = pre[i];
            post[i] = Math.max(z, a * z);
          }
        } else {
          for (int i = from; i < to; i++) {
            double z = pre[i];
            post[i] = Math.min(z, a * z);
          }
        }
      }
      case IDENTITY -> {
        if (post != pre) {
          System.arraycopy(pre, from, post, from, to - from);
        }
      }
    }
  }

  /** d[i] ← d[i]·σ'(pre[i]) for from ≤ i &lt; to, with σ'(0) = e (identity: unchanged). */
  static void backward(Activation act, double e, double[] pre, double[] d, int from, int to) {
    backward(act, e, pre, from, d, from, to - from);
  }

  /** d[dOff + j] ← d[dOff + j]·σ'(pre[preOff + j]) for 0 ≤ j &lt; len (identity: unchanged). */
  static void backward(
      Activation act, double e, double[] pre, int preOff, double[] d, int dOff, int len) {
    if (act.kind() == Activation.Kind.IDENTITY) {
      return;
    }
    double a = act.slope();
    for (int j = 0; j < len; j++) {
      double s = Math.min(Math.max(pre[preOff + j] * LIFT * LIFT, -1.0), 1.0);
      double factor = Math.max(s, 0.0) + a * Math.max(-s, 0.0) + e * (1.0 - s * s);
      d[dOff + j] *= factor;
    }
  }

  /** σ(z) for one value, bit for bit as {@link #forward} computes it (a = the slope). */
  static double apply(Activation.Kind kind, double a, double z) {
    return switch (kind) {
      case RELU -> Math.max(z, 0.0);
      case LEAKY -> a <= 1.0 ? Math.max(z, a * z) : Math.min(z, a * z);
      case IDENTITY -> z;
    };
  }

  /** The same σ' as {@link #backward} for one value (also used by fused kernels). */
  static double derivative(double z, double a, double e) {
    double s = Math.min(Math.max(z * LIFT * LIFT, -1.0), 1.0);
    return Math.max(s, 0.0) + a * Math.max(-s, 0.0) + e * (1.0 - s * s);
  }
}
