package io.marginflow.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.format.FormatException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Growing JSONL files: prefixes, incomplete last lines, thinning. */
class MetricLinesTest {

  private static long parse(String line) {
    if (!line.startsWith("{\"k\":") || !line.endsWith("}")) {
      throw new IllegalArgumentException("bad row " + line);
    }
    return Long.parseLong(line.substring(5, line.length() - 1));
  }

  private static String lines(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append("{\"k\":").append(i).append("}\n");
    }
    return b.toString();
  }

  private static MetricLines.Parsed<Long> read(String text, long length, int maxRows)
      throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return MetricLines.read(
        () -> new ByteArrayInputStream(bytes), length, "f.jsonl", MetricLinesTest::parse, maxRows);
  }

  @Test
  void readsOnlyThePrefixAndSkipsTheLineCutThere() throws IOException {
    String text = lines(10);
    int cut = text.indexOf("{\"k\":7}") + 4; // inside row 7
    MetricLines.Parsed<Long> p = read(text, cut, 100);
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L), p.rows());
    assertEquals(8, p.lines());
    assertTrue(
        p.warnings().get(0).contains("f.jsonl line 8")
            && p.warnings().get(0).contains("no newline"),
        p.warnings().toString());
    assertEquals(10, read(text, text.length(), 100).rows().size());
    assertEquals(0, read("", 0, 100).rows().size());
  }

  @Test
  void aCompleteButInvalidLastLineIsAnError() {
    FormatException e =
        assertThrows(FormatException.class, () -> read(lines(3) + "{\"x\":1}\n", 1000, 100));
    assertTrue(e.getMessage().startsWith("f.jsonl line 4: bad row"), e.getMessage());
  }

  @Test
  void thinsLongFilesKeepingTheHeadAndTheLastLine() throws IOException {
    MetricLines.Parsed<Long> p = read(lines(10_000), Long.MAX_VALUE, 400);
    assertTrue(p.rows().size() <= 401, "rows kept: " + p.rows().size());
    List<Long> head = new ArrayList<>();
    for (long i = 0; i < 100; i++) {
      head.add(i);
    }
    assertEquals(head, p.rows().subList(0, 100), "the first quarter of the budget is whole");
    assertEquals(9_999L, p.rows().get(p.rows().size() - 1));
    assertEquals(10_000, p.lines());
    assertTrue(p.warnings().get(0).contains("every 33th line"), p.warnings().toString());
  }
}
