package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.io.TeacherStudentConfig;
import io.marginflow.common.io.TeacherStudentGenerator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Generated partitions streamed block by block hold the rows the generator gives, in order. */
class GeneratedBlockStreamTest {

  private static final TeacherStudentGenerator GEN =
      new TeacherStudentGenerator(new TeacherStudentConfig(3, 1000, 7, 5, 0.0));

  @Test
  void theWholeRangeStreamsTheBlocksOfOneGeneration() {
    List<RowBlock> expected = GEN.generate(false, 64).blocks();
    List<RowBlock> streamed = new ArrayList<>();
    new GeneratedBlockStream(GEN, 0, 1000, false, 64).forEachRemaining(streamed::add);
    assertEquals(expected.size(), streamed.size());
    for (int k = 0; k < expected.size(); k++) {
      DenseBlock e = (DenseBlock) expected.get(k);
      DenseBlock s = (DenseBlock) streamed.get(k);
      assertEquals(e.rows(), s.rows());
      assertArrayEquals(e.values(), s.values(), "block " + k);
      assertArrayEquals(e.labels(), s.labels(), "block " + k);
      assertArrayEquals(e.rowIndex(), s.rowIndex(), "block " + k);
    }
  }

  @Test
  void aSubRangeHoldsRowsLoToHiEachAFunctionOfItsIndex() {
    GeneratedBlockStream stream = new GeneratedBlockStream(GEN, 333, 700, false, 50);
    double[] x = new double[7];
    long i = 333;
    while (stream.hasNext()) {
      DenseBlock b = (DenseBlock) stream.next();
      for (int r = 0; r < b.rows(); r++, i++) {
        double y = GEN.row(i, x);
        assertEquals(i, b.rowIndex()[r]);
        assertEquals(y, b.labels()[r]);
        for (int j = 0; j < 7; j++) {
          assertEquals(x[j], b.values()[r * 7 + j], "row " + i + " feature " + j);
        }
      }
    }
    assertEquals(700, i);
    assertFalse(new GeneratedBlockStream(GEN, 5, 5, false, 50).hasNext(), "an empty range");
  }
}
