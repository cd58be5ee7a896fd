/**
 * Where a run is written: {@link io.marginflow.spark.store.RunStore}, a thin store over the Hadoop
 * {@code FileSystem} for one run directory (atomic files, append-only metric streams, checkpoints
 * with a {@code LATEST} marker, truncation on resume). The byte formats belong to {@code
 * io.marginflow.common.format}.
 */
package io.marginflow.spark.store;
