package io.marginflow.common.net;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SparseAxpyKernels} on the incubating Vector API ({@link DoubleVector#SPECIES_PREFERRED}).
 * Loaded only when the module {@code jdk.incubator.vector} is in the boot layer.
 *
 * <p>Forward: per row, the outputs go in chunks of four vectors held in registers while the row's
 * non-zeros stream their W₁ᵀ rows through ({@code acc = wt.fma(v, acc)}); four independent
 * accumulators hide the FMA latency. Backward: the rows go in blocks of {@link #ROW_BLOCK}; each
 * block's dz is copied into a scratch with the padded leading dimension and the block is re-indexed
 * by column (CSC, rows ascending within a column), so each gᵀ chunk is loaded once per block,
 * accumulated in registers over the column's rows and stored once. Output lanes past the last full
 * vector use scalar {@link Math#fma} in the same order, so results equal {@link
 * ScalarSparseKernels} bit for bit.
 */
final class VectorSparseKernels implements SparseAxpyKernels {

  private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();

  /** Outputs per register-blocked chunk: four vectors. */
  private static final int CHUNK = 4 * L;

  /**
   * Rows per backward block: the block's dz (64 × ld doubles, 132 KiB at m = 256) stays in L2 and
   * one chunk column of it (64 × 32 doubles) in L1. 32–128 measured within noise on a9a and MNIST.
   */
  static final int ROW_BLOCK = 64;

  private VectorSparseKernels() {}

  /** A new instance, or null when the preferred species has a single lane (no SIMD to gain). */
  static SparseAxpyKernels createIfUseful() {
    return L >= 2 ? new VectorSparseKernels() : null;
  }

  @Override
  public String name() {
    return "vector(" + L + "x" + SPECIES.elementSize() + "bit)";
  }

  @Override
  public void forward(
      int rows,
      int[] ptr,
      int[] col,
      double[] val,
      double[] wt,
      int ld,
      int m,
      double[] bias,
      int biasOff,
      double[] z) {
    int mChunks = m - m % CHUNK;
    int mVectors = m - m % L;
    for (int r = 0; r < rows; r++) {
      int zr = r * m;
      int s = ptr[r];
      int e = ptr[r + 1];
      int o = 0;
      for (; o < mChunks; o += CHUNK) {
        DoubleVector a0;
        DoubleVector a1;
        DoubleVector a2;
        DoubleVector a3;
        if (bias != null) {
          int bo = biasOff + o;
          a0 = DoubleVector.fromArray(SPECIES, bias, bo);
          a1 = DoubleVector.fromArray(SPECIES, bias, bo + L);
          a2 = DoubleVector.fromArray(SPECIES, bias, bo + 2 * L);
          a3 = DoubleVector.fromArray(SPECIES, bias, bo + 3 * L);
        } else {
          a0 = DoubleVector.zero(SPECIES);
          a1 = a0;
          a2 = a0;
          a3 = a0;
        }
        for (int q = s; q < e; q++) {
          int b = col[q] * ld + o;
          DoubleVector v = DoubleVector.broadcast(SPECIES, val[q]);
          a0 = DoubleVector.fromArray(SPECIES, wt, b).fma(v, a0);
          a1 = DoubleVector.fromArray(SPECIES, wt, b + L).fma(v, a1);
          a2 = DoubleVector.fromArray(SPECIES, wt, b + 2 * L).fma(v, a2);
          a3 = DoubleVector.fromArray(SPECIES, wt, b + 3 * L).fma(v, a3);
        }
        a0.intoArray(z, zr + o);
        a1.intoArray(z, zr + o + L);
        a2.intoArray(z, zr + o + 2 * L);
        a3.intoArray(z, zr + o + 3 * L);
      }
      for (; o < mVectors; o += L) {
        DoubleVector a =
            bias != null
                ? DoubleVector.fromArray(SPECIES, bias, biasOff + o)
                : DoubleVector.zero(SPECIES);
        for (int q = s; q < e; q++) {
          a =
              DoubleVector.fromArray(SPECIES, wt, col[q] * ld + o)
                  .fma(DoubleVector.broadcast(SPECIES, val[q]), a);
        }
        a.intoArray(z, zr + o);
      }
      for (; o < m; o++) {
        double acc = bias != null ? bias[biasOff + o] : 0.0;
        for (int q = s; q < e; q++) {
          acc = Math.fma(val[q], wt[col[q] * ld + o], acc);
        }
        z[zr + o] = acc;
      }
    }
  }

  @Override
  public void backward(
      int rows,
      int features,
      int[] ptr,
      int[] col,
      double[] val,
      double[] dz,
      int m,
      double[] gt,
      int ld,
      Workspace ws) {
    CscScratch csc = ws.cscScratch();
    csc.ensure(features, ColumnIndex.maxBlockNonZeros(rows, ptr, ROW_BLOCK), ROW_BLOCK * ld);
    ColumnIndex index = csc.index;
    double[] cv = csc.value;
    double[] dzb = csc.rowsBlock;
    for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
      int r1 = Math.min(rows, r0 + ROW_BLOCK);
      int entries = ptr[r1] - ptr[r0];
      if (entries == 0) {
        continue;
      }
      for (int r = r0; r < r1; r++) {
        System.arraycopy(dz, r * m, dzb, (r - r0) * ld, m);
      }
      index.build(r0, r1, ptr, col, features, ld);
      int[] source = index.source;
      for (int k = 0; k < entries; k++) {
        cv[k] = val[source[k]];
      }
      int[] start = index.start;
      for (int j = 0; j < features; j++) {
        if (start[j] != start[j + 1]) {
          accumulateColumn(start[j], start[j + 1], index.rowOffset, cv, dzb, gt, j * ld, m);
        }
      }
    }
  }

  /** gt[g + o] ← fma over entries s ≤ k &lt; e of (cv[k], dzb[rowOff[k] + o]), for o &lt; m. */
  private static void accumulateColumn(
      int s, int e, int[] rowOff, double[] cv, double[] dzb, double[] gt, int g, int m) {
    int mChunks = m - m % CHUNK;
    int mVectors = m - m % L;
    int o = 0;
    for (; o < mChunks; o += CHUNK) {
      int go = g + o;
      DoubleVector a0 = DoubleVector.fromArray(SPECIES, gt, go);
      DoubleVector a1 = DoubleVector.fromArray(SPECIES, gt, go + L);
      DoubleVector a2 = DoubleVector.fromArray(SPECIES, gt, go + 2 * L);
      DoubleVector a3 = DoubleVector.fromArray(SPECIES, gt, go + 3 * L);
      for (int k = s; k < e; k++) {
        int b = rowOff[k] + o;
        DoubleVector v = DoubleVector.broadcast(SPECIES, cv[k]);
        a0 = DoubleVector.fromArray(SPECIES, dzb, b).fma(v, a0);
        a1 = DoubleVector.fromArray(SPECIES, dzb, b + L).fma(v, a1);
        a2 = DoubleVector.fromArray(SPECIES, dzb, b + 2 * L).fma(v, a2);
        a3 = DoubleVector.fromArray(SPECIES, dzb, b + 3 * L).fma(v, a3);
      }
      a0.intoArray(gt, go);
      a1.intoArray(gt, go + L);
      a2.intoArray(gt, go + 2 * L);
      a3.intoArray(gt, go + 3 * L);
    }
    for (; o < mVectors; o += L) {
      DoubleVector a = DoubleVector.fromArray(SPECIES, gt, g + o);
      for (int k = s; k < e; k++) {
        a =
            DoubleVector.fromArray(SPECIES, dzb, rowOff[k] + o)
                .fma(DoubleVector.broadcast(SPECIES, cv[k]), a);
      }
      a.intoArray(gt, g + o);
    }
    for (; o < m; o++) {
      double acc = gt[g + o];
      for (int k = s; k < e; k++) {
        acc = Math.fma(cv[k], dzb[rowOff[k] + o], acc);
      }
      gt[g + o] = acc;
    }
  }
}
