package io.marginflow.common.io;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.testing.SharedDatasets;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

  /** The README states the MNIST test-set pixel statistics to 4 decimals. */
  private static final double README_ROUNDING = 5e-5;

  private static final String IMAGES = "mnist-t10k/t10k-images-idx3-ubyte.gz";
  private static final String LABELS = "mnist-t10k/t10k-labels-idx1-ubyte.gz";

  @TempDir Path tmp;

  @Test
  void zeroVsOneHasTheReadmeCountsAndEqualsTheDerivedLibsvmFile() throws IOException {
    Dataset idx =
        IdxReader.read(
            SharedDatasets.resolve(IMAGES),
            SharedDatasets.resolve(LABELS),
            DigitLabels.parse("0vs1"),
            false,
            true,
            500);
    assertEquals(784, idx.features());
    assertEquals(2115, idx.rows());
    assertEquals(1135, idx.positives());
    assertEquals(980, idx.negatives());
    Dataset svm =
        LibsvmReader.read(
            SharedDatasets.resolve("mnist-t10k/mnist-t10k-0vs1.libsvm.gz"), 784, true, 500);
    assertEquals(svm.blocks().size(), idx.blocks().size());
    for (int b = 0; b < svm.blocks().size(); b++) {
      CsrBlock e = (CsrBlock) svm.blocks().get(b);
      CsrBlock a = (CsrBlock) idx.blocks().get(b);
      assertEquals(e.rows(), a.rows());
      assertArrayEquals(e.labels(), a.labels(), "labels of block " + b);
      assertArrayEquals(e.rowIndex(), a.rowIndex(), "row indices of block " + b);
      assertArrayEquals(e.rowPtr(), a.rowPtr(), "row pointers of block " + b);
      assertArrayEquals(e.colIdx(), a.colIdx(), "pixel indices of block " + b);
      assertArrayEquals(e.values(), a.values(), "pixel values of block " + b);
    }
  }

  @Test
  void oddEvenKeepsAllImagesWithKnownPixelStatistics() throws IOException {
    Dataset data =
        IdxReader.read(
            SharedDatasets.resolve(IMAGES),
            SharedDatasets.resolve(LABELS),
            DigitLabels.parse("odd-even"),
            true,
            4000);
    assertEquals(10_000, data.rows());
    // README label counts 0..9 = 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009
    assertEquals(1135 + 1010 + 892 + 1028 + 1009, data.positives());
    assertEquals(980 + 1032 + 982 + 958 + 974, data.negatives());
    double sum = 0;
    double sumSq = 0;
    long count = 0;
    for (RowBlock block : data.blocks()) {
      DenseBlock d = (DenseBlock) block;
      for (int k = 0; k < d.rows() * d.features(); k++) {
        double v = d.values()[k];
        assertTrue(v >= 0 && v <= 1, "scaled pixel " + v);
        sum += v;
        sumSq += v * v;
        count++;
      }
    }
    double mean = sum / count;
    double std = Math.sqrt(sumSq / count - mean * mean);
    assertClose(0.1325, mean, 0, README_ROUNDING, "pixel mean / 255");
    assertClose(0.3105, std, 0, README_ROUNDING, "pixel std / 255");
  }

  @Test
  void smallPlainAndGzipFilesWithDroppedDigits() throws IOException {
    byte[][] images = {{0, 1, 2, 3}, {(byte) 255, 0, 0, 0}, {9, 9, 9, 9}};
    Path img = writeImages("img", 3, 2, 2, images, true);
    Path lab = writeLabels("lab", 3, new byte[] {7, 2, 3}, false);
    Dataset data = IdxReader.read(img, lab, DigitLabels.parse("2vs3,7"), false, 10);
    DenseBlock b = (DenseBlock) data.blocks().get(0);
    assertEquals(3, b.rows());
    assertArrayEquals(new double[] {1, -1, 1}, b.labels());
    assertArrayEquals(new double[] {0, 1, 2, 3, 255, 0, 0, 0, 9, 9, 9, 9}, b.values());

    Dataset dropped = IdxReader.read(img, lab, DigitLabels.parse("2vs3"), true, 10);
    DenseBlock d = (DenseBlock) dropped.blocks().get(0);
    assertEquals(2, d.rows());
    assertArrayEquals(new long[] {0, 1}, d.rowIndex()); // kept rows are renumbered
    assertEquals(1.0, d.values()[0]);
  }

  @Test
  void headerProblemsAreNamed() throws IOException {
    Path img = writeImages("img", 2, 1, 1, new byte[][] {{1}, {2}}, false);
    Path lab = writeLabels("lab", 2, new byte[] {0, 1}, false);
    Path lab3 = writeLabels("lab3", 3, new byte[] {0, 1, 1}, false);
    DigitLabels m = DigitLabels.parse("0vs1");

    DataFormatException swapped =
        assertThrows(DataFormatException.class, () -> IdxReader.read(lab, img, m, false, 10));
    assertTrue(
        swapped.getMessage().startsWith(lab + ": not an IDX images file"), swapped.getMessage());

    DataFormatException count =
        assertThrows(DataFormatException.class, () -> IdxReader.read(img, lab3, m, false, 10));
    assertTrue(
        count.getMessage().startsWith(lab3 + ": label count 3 does not match image count 2"),
        count.getMessage());

    Path shortHeader = Files.write(tmp.resolve("short"), new byte[] {0, 0, 8, 3, 0});
    DataFormatException header =
        assertThrows(
            DataFormatException.class, () -> IdxReader.read(shortHeader, lab, m, false, 10));
    assertTrue(header.getMessage().contains("truncated IDX header"), header.getMessage());
  }

  @Test
  void recordProblemsNameFileRecordAndOffset() throws IOException {
    DigitLabels m = DigitLabels.parse("0vs1");
    Path lab = writeLabels("lab", 3, new byte[] {0, 1, 0}, false);
    // declares 3 images of 2x2 but holds 2.5
    Path cut = writeImagesRaw("cut", 3, 2, 2, new byte[10]);
    DataFormatException e1 =
        assertThrows(DataFormatException.class, () -> IdxReader.read(cut, lab, m, false, 10));
    assertEquals(3, e1.line());
    assertTrue(
        e1.getMessage().startsWith(cut + ":3: file ends inside record 3 of 3 (byte offset 24)"),
        e1.getMessage());

    Path badDigit = writeLabels("bad", 3, new byte[] {0, 12, 0}, false);
    Path img = writeImagesRaw("img", 3, 2, 2, new byte[12]);
    DataFormatException e2 =
        assertThrows(DataFormatException.class, () -> IdxReader.read(img, badDigit, m, false, 10));
    assertEquals(2, e2.line());
    assertTrue(
        e2.getMessage().contains("byte offset 9") && e2.getMessage().endsWith("(got '12')"),
        e2.getMessage());

    Path extra = writeImagesRaw("extra", 3, 2, 2, new byte[13]);
    DataFormatException e3 =
        assertThrows(DataFormatException.class, () -> IdxReader.read(extra, lab, m, false, 10));
    assertTrue(e3.getMessage().contains("trailing bytes"), e3.getMessage());
  }

  private Path writeImages(String name, int n, int rows, int cols, byte[][] images, boolean gzip)
      throws IOException {
    Path p = tmp.resolve(name);
    try (OutputStream raw = Files.newOutputStream(p);
        OutputStream os = gzip ? new GZIPOutputStream(raw) : raw;
        DataOutputStream out = new DataOutputStream(os)) {
      out.writeInt(IdxReader.IMAGES_MAGIC);
      out.writeInt(n);
      out.writeInt(rows);
      out.writeInt(cols);
      for (byte[] image : images) {
        out.write(image);
      }
    }
    return p;
  }

  private Path writeImagesRaw(String name, int n, int rows, int cols, byte[] pixels)
      throws IOException {
    return writeImages(name, n, rows, cols, new byte[][] {pixels}, false);
  }

  private Path writeLabels(String name, int n, byte[] labels, boolean gzip) throws IOException {
    Path p = tmp.resolve(name);
    try (OutputStream raw = Files.newOutputStream(p);
        OutputStream os = gzip ? new GZIPOutputStream(raw) : raw;
        DataOutputStream out = new DataOutputStream(os)) {
      out.writeInt(IdxReader.LABELS_MAGIC);
      out.writeInt(n);
      out.write(labels);
    }
    return p;
  }
}
