package io.marginflow.bench.suite;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * CI smoke run of the benchmark suite: every comparison at {@link Scale#SMOKE} (500-row slices, a
 * few steps, one repetition) in local[2]. Not a timed test: it checks that every benchmark runs to
 * its table and that every measured figure is finite.
 */
class SuiteSmokeTest {

  @Test
  void everyComparisonRunsAndReportsFiniteNumbers() throws Exception {
    Path scratch = Path.of("target", "bench-smoke").toAbsolutePath();
    Files.createDirectories(scratch);
    Report report = new Report();
    Suite.run(
        Scale.SMOKE, Set.of(1, 2, 3, 4, 5, 6, 7), false, Suite.datasetsDir(), scratch, report);
    String text = report.text();
    for (int i = 1; i <= 7; i++) {
      assertTrue(text.contains("\n## " + i + ". "), "section " + i + " missing:\n" + text);
    }
    assertFalse(text.contains("NaN"), "a measurement is missing:\n" + text);
    assertFalse(text.contains("Infinity"), "a measurement is not finite:\n" + text);
    long rows =
        text.lines()
            .filter(
                l ->
                    l.startsWith("| ")
                        && !l.startsWith("| data")
                        && !l.startsWith("| part")
                        && !l.startsWith("| case")
                        && !l.startsWith("| partitions"))
            .count();
    assertTrue(rows >= 2 + 2 + 2 + 8 + 4 + 3 + 2, "too few result rows (" + rows + "):\n" + text);
  }
}
