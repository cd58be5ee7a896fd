package io.marginflow.spark.job;

import java.io.Serializable;

/**
 * What the scan pass learned about one input file: its identity (URI, size, modification time,
 * SHA-256 of the stored bytes) and content (data rows, positives, largest feature index,
 * non-zeros). Together they form the dataset fingerprint of the manifest.
 *
 * @param uri fully qualified URI
 * @param bytes stored size
 * @param modified modification time (ms since the epoch)
 * @param sha256 hex SHA-256 of the stored (possibly compressed) bytes
 * @param rows data rows (blank lines excluded)
 * @param positives rows labelled +1
 * @param maxIndex largest 1-based feature index seen (or the column count for CSV)
 * @param nonZeros stored non-zeros
 */
public record InputFile(
    String uri,
    long bytes,
    long modified,
    String sha256,
    long rows,
    long positives,
    int maxIndex,
    long nonZeros)
    implements Serializable {}
