package io.marginflow.common.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.testing.SharedDatasets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CsvReaderTest {

  @TempDir Path tmp;

  @Test
  void breastCancerHasItsReadmeCounts() throws IOException {
    Path file = SharedDatasets.resolve("breast-cancer-wdbc/breast_cancer.csv");
    Dataset data = CsvReader.read(file, CsvOptions.labelLast(true), 100);
    assertEquals(30, data.features());
    assertEquals(569, data.rows());
    assertEquals(357, data.positives()); // benign = 1
    assertEquals(212, data.negatives()); // malignant = 0
    assertEquals(6, data.blocks().size());
    DenseBlock first = (DenseBlock) data.blocks().get(0);
    // line 2: 17.99,10.38,122.8,1001,...,0.1189,0
    assertArrayEquals(new double[] {17.99, 10.38, 122.8, 1001}, Arrays.copyOf(first.values(), 4));
    assertEquals(0.1189, first.values()[29]);
    assertEquals(-1.0, first.labels()[0]);
    DatasetStats s = DatasetStats.of(data); // also checks row indices 0..568 in order
    assertEquals(569, s.rows());
  }

  @Test
  void withoutHeaderOptionTheHeaderFailsOnLine1() {
    Path file = SharedDatasets.resolve("breast-cancer-wdbc/breast_cancer.csv");
    DataFormatException e =
        assertThrows(
            DataFormatException.class,
            () -> CsvReader.read(file, CsvOptions.labelLast(false), 100));
    assertEquals(1, e.line());
    assertTrue(
        e.getMessage().endsWith(": column 3: value is not a decimal number (got 'malignant')"),
        e.getMessage());
  }

  @Test
  void labelColumnFirstSeparatorAndDeclaredFeatures() throws IOException {
    Path file = Files.writeString(tmp.resolve("t.tsv"), " 1\t0.5\t0\n\n0.0\t-2\t3e1 \r\n");
    Dataset data = CsvReader.read(file, new CsvOptions(0, false, '\t', 2), 10);
    DenseBlock b = (DenseBlock) data.blocks().get(0);
    assertArrayEquals(new double[] {0.5, 0, -2, 30}, b.values());
    assertArrayEquals(new double[] {1, -1}, b.labels());
    assertArrayEquals(new long[] {0, 1}, b.rowIndex());
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "2 | 1.0;2.0;2     | bad label",
        "3 | 1.0;2.0;-1    | file mixes negative label tokens",
        "3 | 1.0;NaN;1     | column 2: value is not finite",
        "2 | 1.0;inf;0     | column 2: value is not finite",
        "3 | 1.0;abc;1     | column 2: value is not a decimal number",
        "3 | 1.0;2.0       | expected 3 columns, got 2",
        "3 | 1.0;2.0;1;4   | expected 3 columns, got more",
        "2 | 1.0;;1        | empty field in column 2",
        "2 | 1.0;2.0;      | empty field in column 3",
      })
  void malformedLinesFailNamingFileAndLine(int badLine, String bad, String what)
      throws IOException {
    // good lines alternate labels 0 and 1 (line 2: 0, line 3: 1, line 4: 0)
    StringBuilder text = new StringBuilder("a;b;label\n");
    for (int line = 2; line <= 4; line++) {
      text.append(line == badLine ? bad : "1;2;" + (line % 2)).append('\n');
    }
    Path file = Files.writeString(tmp.resolve("bad.csv"), text);
    CsvOptions options = new CsvOptions(-1, true, ';', null);
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> CsvReader.read(file, options, 10));
    assertEquals(badLine, e.line());
    assertTrue(e.getMessage().startsWith(file + ":" + badLine + ": " + what), e.getMessage());
  }

  @Test
  void headerOnlyFileHasNoDataRows() throws IOException {
    Path file = Files.writeString(tmp.resolve("h.csv"), "a,b,y\n");
    DataFormatException e =
        assertThrows(
            DataFormatException.class, () -> CsvReader.read(file, CsvOptions.labelLast(true), 10));
    assertEquals(file + ": no data rows", e.getMessage());
  }

  @Test
  void lineParserStoresOnlyNonZeros() {
    CsvLineParser parser = new CsvLineParser(3, 1, ',');
    ParsedRow row = new ParsedRow();
    assertTrue(parser.parse("0, +1 ,2.5,0", "f", 1, row));
    assertEquals(1.0, row.label());
    assertEquals(1, row.nnz());
    assertEquals(1, row.indices()[0]);
    assertEquals(2.5, row.values()[0]);
    assertFalse(parser.parse("   ", "f", 2, row));
  }

  @Test
  void optionsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new CsvOptions(-2, false, ',', null));
    assertThrows(IllegalArgumentException.class, () -> new CsvOptions(0, false, '.', null));
    assertThrows(IllegalArgumentException.class, () -> new CsvOptions(0, false, ',', 0));
    assertThrows(IllegalArgumentException.class, () -> new CsvOptions(5, false, ',', 3));
    assertThrows(IllegalArgumentException.class, () -> new CsvLineParser(3, 4, ','));
  }
}
