package io.marginflow.spark.job;

import java.io.Serializable;

/**
 * One labelled row in transit between Spark stages (Parquet rows on their way to their partition):
 * its ±1 label and its entries as 0-based increasing indices with values.
 *
 * @param label −1.0 or +1.0
 * @param indices 0-based feature indices
 * @param values matching values
 */
public record SparseRow(double label, int[] indices, double[] values) implements Serializable {}
