package io.marginflow.common.net;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatSparseKernels} on the incubating Vector API ({@link FloatVector#SPECIES_PREFERRED}),
 * the float twin of {@link VectorSparseKernels}: forward keeps chunks of four vectors of outputs in
 * registers while a row's non-zeros stream their W₁ᵀ rows through; backward re-indexes blocks of
 * {@link #ROW_BLOCK} rows by column so that each gᵀ chunk is loaded and stored once per block. Tail
 * lanes use scalar {@link Math#fma(float, float, float)} in the same order, so results equal {@link
 * ScalarFloatSparseKernels} bit for bit.
 */
final class VectorFloatSparseKernels implements FloatSparseKernels {

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();

  /** Outputs per register-blocked chunk: four vectors. */
  private static final int CHUNK = 4 * L;

  /** Rows per backward block (as {@link VectorSparseKernels#ROW_BLOCK}). */
  static final int ROW_BLOCK = 64;

  private VectorFloatSparseKernels() {}

  /** A new instance, or null when the preferred species has a single lane. */
  static FloatSparseKernels createIfUseful() {
    return L >= 2 ? new VectorFloatSparseKernels() : null;
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
      float[] wt,
      int ld,
      int m,
      float[] bias,
      float[] z) {
    int mChunks = m - m % CHUNK;
    int mVectors = m - m % L;
    for (int r = 0; r < rows; r++) {
      int zr = r * m;
      int s = ptr[r];
      int e = ptr[r + 1];
      int o = 0;
      for (; o < mChunks; o += CHUNK) {
        FloatVector a0;
        FloatVector a1;
        FloatVector a2;
        FloatVector a3;
        if (bias != null) {
          a0 = FloatVector.fromArray(SPECIES, bias, o);
          a1 = FloatVector.fromArray(SPECIES, bias, o + L);
          a2 = FloatVector.fromArray(SPECIES, bias, o + 2 * L);
          a3 = FloatVector.fromArray(SPECIES, bias, o + 3 * L);
        } else {
          a0 = FloatVector.zero(SPECIES);
          a1 = a0;
          a2 = a0;
          a3 = a0;
        }
        for (int q = s; q < e; q++) {
          int b = col[q] * ld + o;
          FloatVector v = FloatVector.broadcast(SPECIES, (float) val[q]);
          a0 = FloatVector.fromArray(SPECIES, wt, b).fma(v, a0);
          a1 = FloatVector.fromArray(SPECIES, wt, b + L).fma(v, a1);
          a2 = FloatVector.fromArray(SPECIES, wt, b + 2 * L).fma(v, a2);
          a3 = FloatVector.fromArray(SPECIES, wt, b + 3 * L).fma(v, a3);
        }
        a0.intoArray(z, zr + o);
        a1.intoArray(z, zr + o + L);
        a2.intoArray(z, zr + o + 2 * L);
        a3.intoArray(z, zr + o + 3 * L);
      }
      for (; o < mVectors; o += L) {
        FloatVector a =
            bias != null ? FloatVector.fromArray(SPECIES, bias, o) : FloatVector.zero(SPECIES);
        for (int q = s; q < e; q++) {
          a =
              FloatVector.fromArray(SPECIES, wt, col[q] * ld + o)
                  .fma(FloatVector.broadcast(SPECIES, (float) val[q]), a);
        }
        a.intoArray(z, zr + o);
      }
      for (; o < m; o++) {
        float acc = bias != null ? bias[o] : 0f;
        for (int q = s; q < e; q++) {
          acc = Math.fma((float) val[q], wt[col[q] * ld + o], acc);
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
      float[] dz,
      int m,
      float[] gt,
      int ld,
      FloatCscScratch csc) {
    csc.ensure(features, ColumnIndex.maxBlockNonZeros(rows, ptr, ROW_BLOCK), ROW_BLOCK * ld);
    ColumnIndex index = csc.index;
    float[] cv = csc.value;
    float[] dzb = csc.rowsBlock;
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
        cv[k] = (float) val[source[k]];
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
      int s, int e, int[] rowOff, float[] cv, float[] dzb, float[] gt, int g, int m) {
    int mChunks = m - m % CHUNK;
    int mVectors = m - m % L;
    int o = 0;
    for (; o < mChunks; o += CHUNK) {
      int go = g + o;
      FloatVector a0 = FloatVector.fromArray(SPECIES, gt, go);
      FloatVector a1 = FloatVector.fromArray(SPECIES, gt, go + L);
      FloatVector a2 = FloatVector.fromArray(SPECIES, gt, go + 2 * L);
      FloatVector a3 = FloatVector.fromArray(SPECIES, gt, go + 3 * L);
      for (int k = s; k < e; k++) {
        int b = rowOff[k] + o;
        FloatVector v = FloatVector.broadcast(SPECIES, cv[k]);
        a0 = FloatVector.fromArray(SPECIES, dzb, b).fma(v, a0);
        a1 = FloatVector.fromArray(SPECIES, dzb, b + L).fma(v, a1);
        a2 = FloatVector.fromArray(SPECIES, dzb, b + 2 * L).fma(v, a2);
        a3 = FloatVector.fromArray(SPECIES, dzb, b + 3 * L).fma(v, a3);
      }
      a0.intoArray(gt, go);
      a1.intoArray(gt, go + L);
      a2.intoArray(gt, go + 2 * L);
      a3.intoArray(gt, go + 3 * L);
    }
    for (; o < mVectors; o += L) {
      FloatVector a = FloatVector.fromArray(SPECIES, gt, g + o);
      for (int k = s; k < e; k++) {
        a =
            FloatVector.fromArray(SPECIES, dzb, rowOff[k] + o)
                .fma(FloatVector.broadcast(SPECIES, cv[k]), a);
      }
      a.intoArray(gt, g + o);
    }
    for (; o < m; o++) {
      float acc = gt[g + o];
      for (int k = s; k < e; k++) {
        acc = Math.fma(cv[k], dzb[rowOff[k] + o], acc);
      }
      gt[g + o] = acc;
    }
  }
}
