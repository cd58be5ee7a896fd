package io.marginflow.common.net;

import java.util.ArrayList;
import java.util.List;

/**
 * The Frobenius norms of θ's weight layers, handed from the pass that wrote θ (the SGD update,
 * which reads every entry anyway) to the single-precision kernels' next {@link
 * StepKernel#prepareInParts}, which would otherwise read all of θ once more for them. Each norm is
 * formed as {@link FloatWeights} forms it ({@link #frobenius}: the layer cut into pieces at the
 * chunk boundaries of {@link SumChunks}, four interleaved sums of squares from each piece's first
 * entry giving (s₀ + s₁) + (s₂ + s₃), the pieces' totals added in order), so a handed norm has the
 * bits of a computed one.
 *
 * <p>Valid for one θ array, once: {@link #publish} names the array the norms are of, {@link #take}
 * returns them only for that same array and forgets them. Whoever changes that array in place after
 * publishing must not let a prepare see it first (the training loop publishes right after the
 * update and prepares at the next step). Not thread-safe: one driver thread publishes and takes.
 */
public final class LayerNormsHandoff {
  private final int[] offsets;
  private final int[] lengths;
  private final double[] norms;

  /** The layers cut at {@link SumChunks} boundaries, in θ's order: [from, to) and the layer. */
  private final int[] pieceFrom;

  private final int[] pieceTo;
  private final int[] pieceLayer;
  private double[] publishedFor;

  /** A handoff for the weight layers {@code blocks} ({@link Network#weightLayers}), in order. */
  public LayerNormsHandoff(List<ParameterBlock> blocks) {
    int n = blocks.size();
    this.offsets = new int[n];
    this.lengths = new int[n];
    this.norms = new double[n];
    int end = 0;
    for (int l = 0; l < n; l++) {
      ParameterBlock b = blocks.get(l);
      if (b.offset() < end) {
        throw new IllegalArgumentException(
            "weight layers: expected increasing, disjoint blocks, got " + blocks);
      }
      offsets[l] = b.offset();
      lengths[l] = b.length();
      end = b.offset() + b.length();
    }
    List<int[]> pieces = new ArrayList<>();
    for (int l = 0; l < n; l++) {
      int layerEnd = offsets[l] + lengths[l];
      for (int from = offsets[l]; from < layerEnd; ) {
        int to = SumChunks.pieceEnd(from, layerEnd);
        pieces.add(new int[] {from, to, l});
        from = to;
      }
    }
    this.pieceFrom = pieces.stream().mapToInt(q -> q[0]).toArray();
    this.pieceTo = pieces.stream().mapToInt(q -> q[1]).toArray();
    this.pieceLayer = pieces.stream().mapToInt(q -> q[2]).toArray();
  }

  /**
   * Number of pieces: the layers cut at the chunk boundaries of {@link SumChunks}, in θ's order,
   * each summed as {@link #frobenius} sums it.
   */
  public int pieces() {
    return pieceFrom.length;
  }

  /** First entry of piece q. */
  public int pieceFrom(int q) {
    return pieceFrom[q];
  }

  /** One past the last entry of piece q. */
  public int pieceTo(int q) {
    return pieceTo[q];
  }

  /** The layer piece q belongs to. */
  public int pieceLayer(int q) {
    return pieceLayer[q];
  }

  /** Number of layers. */
  public int layers() {
    return offsets.length;
  }

  /** First entry of layer l in θ. */
  public int offset(int l) {
    return offsets[l];
  }

  /** Entries of layer l. */
  public int length(int l) {
    return lengths[l];
  }

  /**
   * Sets layer l's norm from its sum of squares, summed in {@link #frobenius}'s form (its pieces'
   * {@link #pieceSquares} added in order from 0).
   */
  public void setSquares(int l, double sumOfSquares) {
    norms[l] = Math.sqrt(sumOfSquares);
  }

  /** The norms set since the last take are those of {@code theta} (as it is now). */
  public void publish(double[] theta) {
    publishedFor = theta;
  }

  /** The norms published for this very array, or null; either way nothing is published after. */
  double[] take(double[] theta) {
    boolean mine = theta != null && publishedFor == theta;
    publishedFor = null;
    return mine ? norms : null;
  }

  /**
   * ‖θ[off, off + len)‖₂ in the form every layer norm here has: the pieces of the range inside one
   * {@link SumChunks} chunk each, their {@link #pieceSquares} added in order from 0.
   */
  static double frobenius(double[] theta, int off, int len) {
    int end = off + len;
    double total = 0;
    for (int from = off; from < end; ) {
      int to = SumChunks.pieceEnd(from, end);
      total += pieceSquares(theta, from, to);
      from = to;
    }
    return Math.sqrt(total);
  }

  /**
   * Σ θ_i² over [from, to) as four interleaved sums from {@code from} (s₀ over from + 4i and the
   * tail, s₁, s₂, s₃ over from + 4i + 1, + 2, + 3), combined as (s₀ + s₁) + (s₂ + s₃).
   */
  private static double pieceSquares(double[] theta, int from, int to) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = from;
    for (; i + 3 < to; i += 4) {
      s0 += theta[i] * theta[i];
      s1 += theta[i + 1] * theta[i + 1];
      s2 += theta[i + 2] * theta[i + 2];
      s3 += theta[i + 3] * theta[i + 3];
    }
    for (; i < to; i++) {
      s0 += theta[i] * theta[i];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
