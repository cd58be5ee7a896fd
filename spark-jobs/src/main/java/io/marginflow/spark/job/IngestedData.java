package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlock;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;

/**
 * A split after ingestion: its cached, materialized blocks, and what the manifest records about it.
 *
 * @param blocks cached block RDD (P partitions of contiguous global rows)
 * @param rows n
 * @param positives rows labelled +1
 * @param features declared feature count
 * @param sparse true if the blocks are CSR
 * @param files one entry per input file (empty for generated data)
 * @param description where the rows come from (URIs or the generator's parameters)
 * @param cachedBytes bytes held by the blocks
 */
public record IngestedData(
    JavaRDD<RowBlock> blocks,
    long rows,
    long positives,
    int features,
    boolean sparse,
    List<InputFile> files,
    String description,
    long cachedBytes) {}
