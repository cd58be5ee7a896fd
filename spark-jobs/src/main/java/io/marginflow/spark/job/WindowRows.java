package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlock;
import java.util.Arrays;
import java.util.List;

/**
 * One partition's gathered minibatch rows for a window of consecutive steps: the task result of a
 * rows-path prefetch job. For each step it holds exactly the blocks {@link
 * io.marginflow.common.train.PartitionContext#gatherBatch} returned on the executor (usually one
 * gathered block, none when the partition has no member), stored back to back.
 */
public final class WindowRows {
  private final long firstStep;
  private final int[] partsPerStep;
  private final RowBlock[] parts;
  private final int[] offsets;
  private final long bytes;

  /**
   * The rows of steps {@code firstStep … firstStep + partsPerStep.length − 1}: step {@code
   * firstStep + s} owns the next {@code partsPerStep[s]} entries of {@code parts} (arrays adopted).
   */
  public WindowRows(long firstStep, int[] partsPerStep, RowBlock[] parts) {
    if (firstStep < 0) {
      throw new IllegalArgumentException("firstStep: expected ≥ 0, got " + firstStep);
    }
    this.firstStep = firstStep;
    this.partsPerStep = partsPerStep;
    this.parts = parts;
    this.offsets = new int[partsPerStep.length + 1];
    for (int s = 0; s < partsPerStep.length; s++) {
      if (partsPerStep[s] < 0) {
        throw new IllegalArgumentException("partsPerStep[" + s + "]: negative");
      }
      offsets[s + 1] = offsets[s] + partsPerStep[s];
    }
    if (offsets[partsPerStep.length] != parts.length) {
      throw new IllegalArgumentException(
          "parts: expected " + offsets[partsPerStep.length] + " blocks, got " + parts.length);
    }
    long b = 0;
    for (RowBlock p : parts) {
      b += p.sizeInBytes();
    }
    this.bytes = b;
  }

  /** The first step covered. */
  public long firstStep() {
    return firstStep;
  }

  /** Number of consecutive steps covered. */
  public int steps() {
    return partsPerStep.length;
  }

  /** Blocks per step (not a copy; for serializers). */
  public int[] partsPerStep() {
    return partsPerStep;
  }

  /** All blocks, step after step (not a copy; for serializers). */
  public RowBlock[] parts() {
    return parts;
  }

  /** Bytes held by the blocks' arrays. */
  public long bytes() {
    return bytes;
  }

  /** The blocks of step {@code step}, which must be covered. */
  public List<RowBlock> rowsOf(long step) {
    long s = step - firstStep;
    if (s < 0 || s >= partsPerStep.length) {
      throw new IllegalArgumentException(
          "step " + step + " is outside [" + firstStep + ", " + (firstStep + steps()) + ")");
    }
    int i = (int) s;
    return Arrays.asList(parts).subList(offsets[i], offsets[i + 1]);
  }
}
