package io.marginflow.spark.store;

import io.marginflow.common.format.CheckpointMeta;

/**
 * A checkpoint read back from a run directory by {@link RunStore#readLatestCheckpoint()}.
 *
 * @param step the step K of {@code checkpoints/step-<K>}
 * @param theta θ at that step (a fresh array, the caller's to keep; compared by identity in {@code
 *     equals})
 * @param meta the checkpoint's metadata, with {@code meta.step() == step}
 */
public record Checkpoint(long step, double[] theta, CheckpointMeta meta) {}
