package io.marginflow.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.spark.testing.HdfsFixture;
import io.marginflow.spark.testing.SparkFixture;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * The shared fixtures together: Spark local[2] reads a real dataset from MiniDFS and ships {@link
 * DenseBlock}s through Kryo with registration required.
 */
class SparkSmokeIT {

  private static final long A9A_TRAIN_ROWS = 32_561; // datasets/README.md
  private static final long A9A_TRAIN_POSITIVES = 7_841; // counted with zcat | awk
  private static final int A9A_FEATURES = 123;

  private static URI a9a;

  @BeforeAll
  static void copyDataIntoHdfs() {
    a9a = HdfsFixture.copyFromLocal(SharedDatasets.resolve("a9a/a9a.gz"), "/datasets/a9a.gz");
  }

  @Test
  void textFileFromHdfsCountsTheLines() {
    JavaSparkContext sc = SparkFixture.jsc();
    assertEquals(A9A_TRAIN_ROWS, sc.textFile(a9a.toString()).count());
    assertEquals(A9A_TRAIN_ROWS, SparkFixture.spark().read().text(a9a.toString()).count());
  }

  @Test
  void denseBlocksTravelThroughKryoWithRegistrationRequired() {
    assertEquals("true", SparkFixture.spark().conf().get("spark.kryo.registrationRequired"));
    JavaSparkContext sc = SparkFixture.jsc();
    JavaRDD<DenseBlock> blocks =
        sc.textFile(a9a.toString())
            .zipWithIndex()
            .repartition(2)
            .mapPartitions(SparkSmokeIT::toBlocks)
            .persist(StorageLevel.MEMORY_ONLY_SER()); // cached through Kryo too
    try {
      // repartition shuffles the blocks (Kryo), collect returns them (Kryo task results).
      List<DenseBlock> back = blocks.repartition(2).collect();
      long rows = 0;
      long positives = 0;
      long indexSum = 0;
      for (DenseBlock b : back) {
        assertEquals(A9A_FEATURES, b.features());
        rows += b.rows();
        for (int r = 0; r < b.rows(); r++) {
          positives += b.labels()[r] > 0 ? 1 : 0;
          indexSum += b.rowIndex()[r];
        }
      }
      assertEquals(A9A_TRAIN_ROWS, rows);
      assertEquals(A9A_TRAIN_POSITIVES, positives);
      assertEquals(A9A_TRAIN_ROWS * (A9A_TRAIN_ROWS - 1) / 2, indexSum, "every row index once");
    } finally {
      blocks.unpersist(true);
    }
  }

  /**
   * Minimal LIBSVM → dense blocks of up to 4,096 rows (the real reader belongs to the io package).
   */
  private static Iterator<DenseBlock> toBlocks(Iterator<Tuple2<String, Long>> lines) {
    final int blockRows = 4096;
    List<DenseBlock> out = new ArrayList<>();
    double[] x = new double[blockRows * A9A_FEATURES];
    double[] y = new double[blockRows];
    long[] idx = new long[blockRows];
    int r = 0;
    while (lines.hasNext()) {
      Tuple2<String, Long> t = lines.next();
      String[] tok = t._1().trim().split("\\s+");
      y[r] = Double.parseDouble(tok[0]) > 0 ? 1.0 : -1.0;
      idx[r] = t._2();
      for (int k = 1; k < tok.length; k++) {
        int colon = tok[k].indexOf(':');
        int j = Integer.parseInt(tok[k].substring(0, colon)) - 1;
        x[r * A9A_FEATURES + j] = Double.parseDouble(tok[k].substring(colon + 1));
      }
      if (++r == blockRows || !lines.hasNext()) {
        out.add(new DenseBlock(r, A9A_FEATURES, x, y, idx));
        x = new double[blockRows * A9A_FEATURES];
        y = new double[blockRows];
        idx = new long[blockRows];
        r = 0;
      }
    }
    return out.iterator();
  }
}
