package io.marginflow.spark.report;

import java.util.List;

/** Plain-text tables for the console: columns padded to their widest cell (in code points). */
public final class TextTable {

  private TextTable() {}

  /** The rows (the first is the header), two spaces between columns, one line per row. */
  public static String format(List<String[]> rows) {
    int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
    int[] width = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].codePointCount(0, row[i].length()));
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        b.append(row[i]);
        if (i < row.length - 1) {
          b.append(" ".repeat(width[i] - row[i].codePointCount(0, row[i].length()) + 2));
        }
      }
      b.append('\n');
    }
    return b.toString();
  }
}
