/**
 * What marginflow writes to a run directory, independent of where it is written: the binary
 * checkpoint of θ ({@link io.marginflow.common.format.CheckpointFormat}), the checkpoint's JSON
 * metadata ({@link io.marginflow.common.format.CheckpointMeta}) and the run manifest ({@link
 * io.marginflow.common.format.Manifest}). Each format has one owning class, a version, and a golden
 * file under {@code src/test/resources/formats}. The store that puts these bytes on a file system
 * lives in {@code spark-jobs} ({@code io.marginflow.spark.store.RunStore}).
 */
package io.marginflow.common.format;
