package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.io.DataFormatException;
import io.marginflow.spark.testing.HdfsFixture;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scan of a run ({@link ParquetIngest#scan(SparkSession, List, ParquetColumns, HadoopConf,
 * boolean)} with footers) against the decoding scan: on sparse vectors in many small row groups
 * (empty vectors included) it reads the same facts from the footers (rows, stored entries, largest
 * index, fingerprints, row groups) without decoding (positives −1), and the loads give the same
 * blocks; footers that do not settle the facts (dense vectors beside sparse ones, labels that may
 * mix 0 and −1) fall back to decoding, with its errors; part files on HDFS ({@code MiniDFSCluster})
 * give the same facts and blocks. A bad row deep in a later row group, which only the load sees
 * now, fails the run with its file, row and field before the run directory exists, leaving an
 * earlier run's outputs as they were.
 */
class ParquetFooterScanIT {

  private static final int ROWS = 9000;
  private static final int PER_FILE = 5000;
  private static final int SIZE = 40;

  @TempDir Path tmp;

  private final SparkSession spark = SparkFixture.spark();
  private final HadoopConf conf = new HadoopConf(SparkFixture.jsc().hadoopConfiguration());

  @Test
  void footersGiveTheDecodingScansFactsAndTheSameBlocks() throws IOException {
    for (double negative : new double[] {-1.0, 0.0}) {
      List<String> files = write(rows(negative, -1, Double.NaN, false), "ok" + negative);
      assertTrue(ParquetFileMeta.read(files.get(1), conf.get()).groups().size() > 3);
      List<InputFile> decoded = ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf);
      List<InputFile> footers =
          ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true);
      assertEquals(decoded.size(), footers.size());
      for (int f = 0; f < files.size(); f++) {
        InputFile d = decoded.get(f);
        InputFile o = footers.get(f);
        assertEquals(-1, o.positives(), "footers do not count positives");
        assertTrue(d.positives() > 0);
        assertEquals(
            new InputFile(
                d.uri(),
                d.bytes(),
                d.modified(),
                d.sha256(),
                d.rows(),
                -1,
                d.maxIndex(),
                d.nonZeros(),
                d.splits()),
            o,
            "file " + f + ", negative label " + negative);
      }
      int features = decoded.stream().mapToInt(InputFile::maxIndex).max().getAsInt();
      assertTrue(features > SIZE - 5 && features <= SIZE, "largest index " + features);
      for (boolean sparse : new boolean[] {false, true}) {
        List<RowBlock> a =
            ParquetIngest.load(spark, decoded, ParquetColumns.DEFAULT, features, 3, 512, sparse)
                .collect();
        List<RowBlock> b =
            ParquetIngest.load(spark, footers, ParquetColumns.DEFAULT, features, 3, 512, sparse)
                .collect();
        ParquetIngestIT.assertBlocksEqual(a, b, "footers vs decoding, sparse " + sparse);
      }
    }
  }

  @Test
  void footersOfPartFilesOnHdfsGiveTheSameFactsAndBlocks() throws IOException {
    List<String> local = write(rows(-1.0, -1, Double.NaN, false), "hdfs-src");
    for (String f : local) {
      HdfsFixture.copyFromLocal(
          Path.of(java.net.URI.create(f)),
          "/parquet/footers/" + f.substring(f.lastIndexOf('/') + 1));
    }
    HadoopConf hdfs = new HadoopConf(HdfsFixture.conf());
    List<String> remote =
        InputFiles.expand(List.of(HdfsFixture.uri("/parquet/footers").toString()), hdfs.get());
    assertTrue(remote.get(0).startsWith("hdfs://"), remote.get(0));
    List<InputFile> a = ParquetIngest.scan(spark, local, ParquetColumns.DEFAULT, conf, true);
    List<InputFile> b = ParquetIngest.scan(spark, remote, ParquetColumns.DEFAULT, hdfs, true);
    assertEquals(-1, b.get(0).positives(), "footers on HDFS settle the scan");
    assertEquals(
        a.stream().map(InputFile::sha256).toList(), b.stream().map(InputFile::sha256).toList());
    assertEquals(
        a.stream().map(InputFile::nonZeros).toList(), b.stream().map(InputFile::nonZeros).toList());
    assertEquals(a.get(1).maxIndex(), b.get(1).maxIndex());
    ParquetIngestIT.assertBlocksEqual(
        ParquetIngest.load(spark, a, ParquetColumns.DEFAULT, SIZE, 3, 512, true).collect(),
        ParquetIngest.load(spark, b, ParquetColumns.DEFAULT, SIZE, 3, 512, true).collect(),
        "HDFS vs local disk");
  }

  @Test
  void footersThatDoNotSettleTheFactsFallBackToDecoding() throws IOException {
    // dense vectors in one file, sparse in the other: the dense file's non-zeros need decoding
    // (a load counts them only when every file is dense: ParquetDenseVectorsIT)
    List<Row> some = rows(-1.0, -1, Double.NaN, false);
    List<Row> dense = rows(-1.0, -1, Double.NaN, true);
    for (int i = 0; i < PER_FILE; i++) {
      some.set(i, dense.get(i));
    }
    List<String> half = write(some, "half-dense");
    List<InputFile> scanned = ParquetIngest.scan(spark, half, ParquetColumns.DEFAULT, conf, true);
    assertTrue(scanned.get(0).positives() > 0, "decoded: positives counted");
    assertFalse(scanned.get(0).loadCountsNonZeros());
    assertEquals(-1, scanned.get(1).positives(), "the sparse file: footers");
    assertEquals(
        ParquetIngest.scan(spark, half, ParquetColumns.DEFAULT, conf).get(0).nonZeros(),
        scanned.get(0).nonZeros());

    // labels -1 and 0 in one file: the dictionaries show both, the decoding scan names the rows
    List<Row> mixed = rows(-1.0, -1, Double.NaN, false);
    Row r = mixed.get(PER_FILE + 3000);
    mixed.set(PER_FILE + 3000, RowFactory.create(0.0, r.get(1)));
    List<String> files = write(mixed, "mixed");
    DataFormatException e =
        assertThrows(
            DataFormatException.class,
            () -> ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true));
    assertTrue(e.getMessage().startsWith(files.get(1) + ":"), e.getMessage());
    assertTrue(e.getMessage().contains("mixes negative label tokens"), e.getMessage());
  }

  @Test
  void aBadRowDeepInALaterRowGroupFailsTheRunBeforeItsDirectoryExists() throws IOException {
    Path earlier = tmp.resolve("runs/earlier");
    List<String> good = write(rows(-1.0, -1, Double.NaN, false), "good");
    TrainJob.run(RunFiles.config(flags(good, earlier, SIZE)), spark);
    Map<String, byte[]> before = contents(earlier);
    assertTrue(before.containsKey("manifest.json"), before.keySet().toString());

    int bad = PER_FILE + 3217; // row 3,218 of the second file, in a later row group
    // footers: whether the footers settle the scan (a NaN label voids the label statistics: the
    // decoding scan then names the row, and the run is refused by its validation)
    record Case(String name, double value, double label, boolean footers, String says) {}
    for (Case c :
        List.of(
            new Case("nan", Double.NaN, 1.0, true, "column 'features[7]': value must be finite"),
            new Case("inf", Double.NEGATIVE_INFINITY, 1.0, true, "value must be finite"),
            new Case("label", 1.0, 2.0, true, "bad label in column 'label'"),
            new Case("nan-label", 1.0, Double.NaN, false, "bad label in column 'label'"))) {
      List<Row> rows = rows(-1.0, bad, c.value(), false);
      if (c.label() != 1.0) {
        rows.set(bad, RowFactory.create(c.label(), rows.get(bad).get(1)));
      }
      List<String> files = write(rows, "bad-" + c.name());
      assertTrue(ParquetFileMeta.read(files.get(1), conf.get()).groups().size() > 3);
      String at = files.get(1) + ":" + (bad - PER_FILE + 1) + ": ";
      if (c.footers()) {
        assertEquals(
            -1,
            ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true).get(1).positives(),
            c.name() + ": the footers settle the scan, only the load sees the row");
      } else {
        DataFormatException d =
            assertThrows(
                DataFormatException.class,
                () -> ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true));
        assertTrue(d.getMessage().startsWith(at + c.says()), c.name() + ": " + d.getMessage());
      }
      Path out = tmp.resolve("runs/" + c.name());
      Class<? extends Exception> expected =
          c.footers()
              ? IllegalArgumentException.class
              : io.marginflow.spark.check.RunRefusedException.class;
      Exception e =
          assertThrows(
              expected,
              () -> TrainJob.run(RunFiles.config(flags(files, out, SIZE)), spark),
              c.name());
      assertTrue(
          c.footers() ? e.getMessage().startsWith(at) : e.getMessage().contains(at),
          c.name() + ": " + e.getMessage());
      assertTrue(e.getMessage().contains(c.says()), c.name() + ": " + e.getMessage());
      assertFalse(Files.exists(out), c.name() + ": no run directory");
      assertEquals(before.keySet(), contents(earlier).keySet(), "the earlier run's files");
      before.forEach((k, v) -> assertTrue(java.util.Arrays.equals(v, contents(earlier).get(k)), k));
    }

    // fewer declared features than the footers' largest index: refused before anything runs
    Path out = tmp.resolve("runs/narrow");
    io.marginflow.spark.check.RunRefusedException refused =
        assertThrows(
            io.marginflow.spark.check.RunRefusedException.class,
            () -> TrainJob.run(RunFiles.config(flags(good, out, 6)), spark));
    assertTrue(refused.getMessage().contains("features: declared 6, but "), refused.getMessage());
    assertTrue(refused.getMessage().contains(good.get(0)), refused.getMessage());
    assertFalse(Files.exists(out));
  }

  @Test
  void theLoadRefusesAnIndexPastTheFeatureCountNamingItsRow() throws IOException {
    List<Row> rows = rows(-1.0, -1, Double.NaN, false);
    List<String> files = write(rows, "wide");
    List<InputFile> scanned = ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true);
    int first = 0; // the first row with an index at or past 20
    while (((org.apache.spark.ml.linalg.SparseVector) rows.get(first).get(1)).indices().length == 0
        || maxIndex(rows.get(first)) < 20) {
      first++;
    }
    int row = first + 1;
    for (boolean sparse : new boolean[] {false, true}) {
      Exception e =
          assertThrows(
              Exception.class,
              () ->
                  ParquetIngest.load(spark, scanned, ParquetColumns.DEFAULT, 20, 1, 256, sparse)
                      .collect());
      String msg = SparkIngest.unwrap(e).getMessage();
      assertTrue(msg.startsWith(files.get(0) + ":" + row + ": "), msg);
      assertTrue(
          msg.contains(
              "column 'features': feature index " + maxIndex(rows.get(first)) + " (0-based)"),
          msg);
    }
  }

  private static int maxIndex(Row r) {
    int[] idx = ((org.apache.spark.ml.linalg.SparseVector) r.get(1)).indices();
    return idx.length == 0 ? -1 : idx[idx.length - 1];
  }

  private static String[] flags(List<String> files, Path out, int features) {
    String dir = files.get(0).substring(0, files.get(0).lastIndexOf('/'));
    String run =
        "--format parquet --partitions 3 --batch 20 --steps 5 --eval-every 5 --checkpoint-every 0";
    List<String> all = new ArrayList<>(List.of(run.split(" ")));
    all.addAll(List.of("--data", dir, "--out", out.toString()));
    all.addAll(
        List.of("--features", String.valueOf(features), "--model", "mlp:" + features + "-4-1"));
    return all.toArray(String[]::new);
  }

  /**
   * Labels 1 and {@code negative}; sparse vectors of size {@link #SIZE} with up to 8 entries (every
   * 50th empty), or dense ones; row {@code bad} (if ≥ 0) holds {@code value} at index 7.
   */
  private static List<Row> rows(double negative, int bad, double value, boolean dense) {
    SplittableRandom rnd = new SplittableRandom(43);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      TreeMap<Integer, Double> entries = new TreeMap<>();
      int k = i % 50 == 0 ? 0 : 1 + rnd.nextInt(8);
      for (int j = 0; j < k; j++) {
        entries.put(rnd.nextInt(SIZE - 2), rnd.nextInt(4) == 0 ? 0.0 : rnd.nextDouble(-2, 2));
      }
      if (i == bad) {
        entries.put(7, value);
      }
      int[] idx = entries.keySet().stream().mapToInt(Integer::intValue).toArray();
      double[] val = entries.values().stream().mapToDouble(Double::doubleValue).toArray();
      double label = rnd.nextBoolean() ? 1.0 : negative;
      rows.add(
          RowFactory.create(
              label,
              dense ? Vectors.sparse(SIZE, idx, val).toDense() : Vectors.sparse(SIZE, idx, val)));
    }
    return rows;
  }

  /** Two part files (5,000 + 4,000 rows) in row groups of about 16 KiB. */
  private List<String> write(List<Row> rows, String name) throws IOException {
    return MlVectorParquet.write(spark, rows, tmp.resolve(name), PER_FILE, conf);
  }

  /** The files under {@code dir} (relative paths) and their bytes. */
  private static Map<String, byte[]> contents(Path dir) {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
