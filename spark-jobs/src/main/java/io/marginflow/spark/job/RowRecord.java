package io.marginflow.spark.job;

import java.io.Serializable;

/**
 * One parsed row in transit between the file-reading tasks and the partitions that stack rows into
 * blocks: the ±1 label and the non-zeros (0-based sorted indices and values).
 *
 * @param label −1.0 or +1.0
 * @param indices 0-based feature indices, increasing
 * @param values the values at those indices
 */
public record RowRecord(double label, int[] indices, double[] values) implements Serializable {}
