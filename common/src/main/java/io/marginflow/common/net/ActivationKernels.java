package io.marginflow.common.net;

/**
 * Element-wise activation passes over whole blocks: forward post = σ(pre), backward d ← d ⊙ σ'(pre)
 * with σ'(0) = e. Written as plain counted loops so that C2 vectorizes them; NaN propagates.
 */
final class ActivationKernels {

  private ActivationKernels() {}

  /** post[i] = σ(pre[i]) for i &lt; n. */
  static void forward(Activation act, double[] pre, double[] post, int n) {
    switch (act.kind()) {
      case RELU -> {
        for (int i = 0; i < n; i++) {
          double z = pre[i];
          post[i] = z < 0 ? 0.0 : z;
        }
      }
      case LEAKY -> {
        double a = act.slope();
        for (int i = 0; i < n; i++) {
          double z = pre[i];
          post[i] = z < 0 ? a * z : z;
        }
      }
      case IDENTITY -> {
        if (post != pre) {
          System.arraycopy(pre, 0, post, 0, n);
        }
      }
    }
  }

  /** d[i] ← d[i]·σ'(pre[i]) for i &lt; n, with σ'(0) = e (identity: unchanged). */
  static void backward(Activation act, double e, double[] pre, double[] d, int n) {
    switch (act.kind()) {
      case RELU -> {
        for (int i = 0; i < n; i++) {
          double z = pre[i];
          d[i] = z > 0 ? d[i] : (z < 0 ? 0.0 : e * d[i]);
        }
      }
      case LEAKY -> {
        double a = act.slope();
        for (int i = 0; i < n; i++) {
          double z = pre[i];
          d[i] = z > 0 ? d[i] : (z < 0 ? a * d[i] : e * d[i]);
        }
      }
      case IDENTITY -> {
        // σ' = 1
      }
    }
  }
}
