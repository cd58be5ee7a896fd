package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlock;
import io.marginflow.spark.store.PausePoint;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Per-sample margin snapshots (science.md §5): {@code margins/step=<K>/} as Parquet with columns
 * {@code row} (global index), {@code label}, {@code margin} (p_i(u)) and {@code lambda} (λ_i), one
 * file per partition, written by the executors.
 */
public final class MarginSnapshots implements SparkBackend.SnapshotWriter {

  /** The snapshot schema. */
  public static final StructType SCHEMA =
      new StructType()
          .add("row", DataTypes.LongType, false)
          .add("label", DataTypes.DoubleType, false)
          .add("margin", DataTypes.DoubleType, false)
          .add("lambda", DataTypes.DoubleType, false);

  private final SparkSession spark;
  private final JavaRDD<RowBlock> blocks;
  private final ModelKey key;
  private final URI runDir;

  /** A writer of snapshots of {@code blocks} into {@code runDir/margins/}. */
  public MarginSnapshots(SparkSession spark, JavaRDD<RowBlock> blocks, ModelKey key, URI runDir) {
    this.spark = spark;
    this.blocks = blocks;
    this.key = key;
    this.runDir = runDir;
  }

  /** The folder of step K's snapshot. */
  public static String folder(URI runDir, long step) {
    String base = runDir.toString();
    return (base.endsWith("/") ? base : base + "/") + "margins/step=" + step;
  }

  /**
   * Deletes the snapshots of steps after {@code step} (written after the checkpoint a resume
   * continues from; the resumed run writes them again); returns the steps deleted.
   */
  public static List<Long> removeAfter(URI runDir, long step, Configuration conf)
      throws IOException {
    Path margins = new Path(new Path(runDir), "margins");
    FileSystem fs = margins.getFileSystem(conf);
    List<Long> removed = new ArrayList<>();
    if (!fs.exists(margins)) {
      return removed;
    }
    for (FileStatus st : fs.listStatus(margins)) {
      String name = st.getPath().getName();
      if (!st.isDirectory() || !name.startsWith("step=")) {
        continue;
      }
      long k;
      try {
        k = Long.parseLong(name.substring(5));
      } catch (NumberFormatException e) {
        continue;
      }
      if (k > step) {
        if (!fs.delete(st.getPath(), true)) {
          throw new IOException("cannot delete the snapshot " + st.getPath());
        }
        removed.add(k);
      }
    }
    return removed;
  }

  @Override
  public void write(long step, double[] theta, double normPowL, double logSumNegDerivative) {
    ModelKey k = key;
    double[] th = theta.clone();
    JavaRDD<Row> rows =
        blocks.mapPartitions(
            it -> {
              PausePoint.reach("snapshot", step); // test hook; the task's Parquet file is open
              List<Row> out = new ArrayList<>();
              k.context()
                  .forEachMargin(
                      SparkBackend.drain(it),
                      th,
                      normPowL,
                      (i, y, pu, s) ->
                          out.add(RowFactory.create(i, y, pu, Math.exp(s - logSumNegDerivative))));
              return out.iterator();
            });
    spark
        .createDataFrame(rows, SCHEMA)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(folder(runDir, step));
  }
}
