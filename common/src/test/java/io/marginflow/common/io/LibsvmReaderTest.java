package io.marginflow.common.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.testing.SharedDatasets;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LibsvmReaderTest {

  private static final int BLOCK_ROWS = 4096;

  /** Marks a count the datasets README does not give. */
  private static final long NOT_GIVEN = -1;

  @TempDir Path tmp;

  /** Every LIBSVM file in the shared folder, with the counts stated in its README. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // file, declared, rows, label -1, label +1, non-zeros, max index
    "a9a/a9a.gz, 123, 32561, 24720, 7841, 451592, 123",
    "a9a/a9a.t.gz, 123, 16281, 12435, 3846, 225731, 122",
    "w8a/w8a.gz, 300, 49749, 48270, 1479, 579586, 300",
    "ijcnn1/ijcnn1.trn.gz, 22, 49990, 45137, 4853, -1, 22",
    "ijcnn1/ijcnn1.tst.gz, 22, 91701, 82989, 8712, -1, 22",
    "reuters/reuters.trn.gz, 8315, 7770, 7232, 538, 339837, 8315",
    "reuters/reuters.tst.gz, 8315, 3299, 3120, 179, 136821, 8315",
    "mnist-t10k/mnist-t10k-0vs1.libsvm.gz, 784, 2115, 980, 1135, 284581, 719",
    "spark-sample/sample_binary_classification_data.txt, 692, 100, 43, 57, 13510, 692",
  })
  void sharedDatasetsHaveTheirReadmeCounts(
      String file, int declared, long rows, long neg, long pos, long nonZeros, int maxIndex)
      throws IOException {
    Dataset data = LibsvmReader.read(SharedDatasets.resolve(file), declared, true, BLOCK_ROWS);
    DatasetStats s = DatasetStats.of(data);
    assertEquals(declared, data.features());
    assertEquals(rows, data.rows());
    assertEquals(rows, s.rows());
    assertEquals(neg, s.negatives());
    assertEquals(pos, s.positives());
    assertEquals(pos, data.positives());
    if (nonZeros != NOT_GIVEN) {
      assertEquals(nonZeros, s.storedEntries());
    }
    assertEquals(maxIndex, s.maxIndex1());
    assertEquals((rows + BLOCK_ROWS - 1) / BLOCK_ROWS, data.blocks().size());
  }

  @Test
  void w8aHasItsEmptyRows() throws IOException {
    Dataset data = LibsvmReader.read(SharedDatasets.resolve("w8a/w8a.gz"), 300, true, BLOCK_ROWS);
    assertEquals(4203, DatasetStats.of(data).emptyRows());
  }

  @Test
  void reutersExponentValuesAreRead() throws IOException {
    // first line: "-1 116:9.86899159742946E-02 564:0.164264961410291 ..."
    Dataset data =
        LibsvmReader.read(SharedDatasets.resolve("reuters/reuters.trn.gz"), 8315, true, BLOCK_ROWS);
    CsrBlock b = (CsrBlock) data.blocks().get(0);
    assertEquals(115, b.colIdx()[0]);
    assertEquals(9.86899159742946E-02, b.values()[0]);
    assertEquals(563, b.colIdx()[1]);
    assertEquals(0.164264961410291, b.values()[1]);
  }

  @Test
  void denseAndSparseReadsHoldTheSameRows() throws IOException {
    Path file = SharedDatasets.resolve("spark-sample/sample_binary_classification_data.txt");
    Dataset sparse = LibsvmReader.read(file, 692, true, 30);
    Dataset dense = LibsvmReader.read(file, 692, false, 30);
    assertEquals(4, dense.blocks().size());
    for (int b = 0; b < 4; b++) {
      DenseBlock expected = ((CsrBlock) sparse.blocks().get(b)).toDense();
      DenseBlock actual = (DenseBlock) dense.blocks().get(b);
      assertArrayEquals(expected.values(), actual.values());
      assertArrayEquals(expected.labels(), actual.labels());
      assertArrayEquals(expected.rowIndex(), actual.rowIndex());
    }
  }

  @Test
  void readsPlainAndGzipTextAlikeWithQuirks() throws IOException {
    String text = "+1 1:1 3:2.5 \n\n-1\n1.0 2:9.86E-02\r\n-1.0 4:-2\n\n";
    Path plain = write("quirks.txt", text);
    Path gz = tmp.resolve("quirks.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      // the same rows with the 0/1 label convention
      String zeroOne = text.replace("-1\n", "0\n").replace("-1.0 ", "0.0 ");
      out.write(zeroOne.getBytes(StandardCharsets.UTF_8));
    }
    for (Path file : new Path[] {plain, gz}) {
      Dataset data = LibsvmReader.read(file, 5, true, 3);
      assertEquals(4, data.rows());
      assertEquals(2, data.positives());
      CsrBlock first = (CsrBlock) data.blocks().get(0);
      assertArrayEquals(new int[] {0, 2, 2, 3}, first.rowPtr());
      assertArrayEquals(new double[] {1, -1, 1}, first.labels());
      assertArrayEquals(new long[] {0, 1, 2}, first.rowIndex());
      assertEquals(0.0986, first.values()[2]);
      CsrBlock second = (CsrBlock) data.blocks().get(1);
      assertArrayEquals(new long[] {3}, second.rowIndex());
      assertArrayEquals(new int[] {3}, second.colIdx());
    }
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "3 | 2 1:1                | bad label",
        "2 | +1 0:1               | index 0 is not allowed",
        "4 | -1 2:NaN             | feature value is not finite",
        "3 | -1 2:inf             | feature value is not finite",
        "2 | +1 6:1               | index above the declared feature count 5",
        "4 | +1 abc               | expected index:value",
        "3 | +1 4:1 2:1           | indices must increase strictly",
      })
  void malformedLineFailsNamingFileAndLine(int badLine, String bad, String what)
      throws IOException {
    StringBuilder text = new StringBuilder();
    for (int line = 1; line <= 5; line++) {
      text.append(line == badLine ? bad : "+1 1:1 5:2").append('\n');
    }
    Path file = write("bad.svm", text.toString());
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> LibsvmReader.read(file, 5, true, 2));
    assertEquals(file.toString(), e.file());
    assertEquals(badLine, e.line());
    assertTrue(e.getMessage().startsWith(file + ":" + badLine + ": " + what), e.getMessage());
  }

  @Test
  void refusesFilesMixingZeroAndMinusOne() throws IOException {
    Path file = write("three.svm", "1 1:1\n0 1:1\n-1 1:1\n");
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> LibsvmReader.read(file, 5, true, 2));
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("mixes negative label tokens"), e.getMessage());
  }

  @Test
  void emptyBlankAndMissingFilesGetClearErrors() throws IOException {
    Path empty = write("empty.svm", "");
    DataFormatException e1 =
        assertThrows(DataFormatException.class, () -> LibsvmReader.read(empty, 5, true, 2));
    assertEquals(empty + ": empty file (0 bytes)", e1.getMessage());

    Path blank = write("blank.svm", "\n  \n\n");
    DataFormatException e2 =
        assertThrows(DataFormatException.class, () -> LibsvmReader.read(blank, 5, true, 2));
    assertEquals(blank + ": no data rows", e2.getMessage());

    Path missing = tmp.resolve("missing.svm");
    NoSuchFileException e3 =
        assertThrows(NoSuchFileException.class, () -> LibsvmReader.read(missing, 5, true, 2));
    assertTrue(e3.getMessage().contains("missing.svm"), e3.getMessage());
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(tmp.resolve(name), text, StandardCharsets.UTF_8);
  }
}
