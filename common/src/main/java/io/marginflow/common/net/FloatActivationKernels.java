package io.marginflow.common.net;

/**
 * The float twins of {@link ActivationKernels}: post = σ(pre) and d ← d·σ'(pre) with σ'(0) = e,
 * branch-free (σ' from the exact sign clamp(z·2¹⁵⁰, −1, 1), the two factors 2⁷⁵ lifting even the
 * smallest float subnormal to ≥ 1).
 */
final class FloatActivationKernels {

  private static final float LIFT = 0x1p75f;

  private FloatActivationKernels() {}

  /** post[i] = σ(pre[i]) for from ≤ i &lt; to. */
  static void forward(Activation act, float[] pre, float[] post, int from, int to) {
    switch (act.kind()) {
      case RELU -> {
        for (int i = from; i < to; i++) {
          post[i] = Math.max(pre[i], 0f);
        }
      }
      case LEAKY -> {
        float a = (float) act.slope();
        if (a <= 1f) {
          for (int i = from; i < to; i++) {
            float z = pre[i];
            post[i] = Math.max(z, a * z);
          }
        } else {
          for (int i = from; i < to; i++) {
            float z = pre[i];
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
  static void backward(Activation act, float e, float[] pre, float[] d, int from, int to) {
    backward(act, e, pre, from, d, from, to - from);
  }

  /** d[dOff + j] ← d[dOff + j]·σ'(pre[preOff + j]) for 0 ≤ j &lt; len (identity: unchanged). */
  static void backward(
      Activation act, float e, float[] pre, int preOff, float[] d, int dOff, int len) {
    if (act.kind() == Activation.Kind.IDENTITY) {
      return;
    }
    float a = (float) act.slope();
    for (int j = 0; j < len; j++) {
      float s = Math.min(Math.max(pre[preOff + j] * LIFT * LIFT, -1f), 1f);
      d[dOff + j] *= Math.max(s, 0f) + a * Math.max(-s, 0f) + e * (1f - s * s);
    }
  }
}
