package io.marginflow.spark.check;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marginflow.common.train.EvalSchedule;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The counts a plan states equal what the training loop's rules give, step by step. */
class EstimatesTest {

  private static long evalsByLoop(long start, long steps, long every, boolean logSpaced) {
    EvalSchedule s = new EvalSchedule(every, logSpaced, steps);
    long n = start == 0 ? 1 : 0;
    for (long k = start + 1; k <= steps; k++) {
      n += s.isEvalStep(k) ? 1 : 0;
    }
    return n;
  }

  private static long checkpointsByLoop(long start, long steps, long every) {
    long n = start == 0 ? 1 : 0;
    for (long k = start + 1; k <= steps; k++) {
      n += k == steps || (every > 0 && k % every == 0) ? 1 : 0;
    }
    return n;
  }

  @Test
  void countsMatchTheLoopOnRandomSchedules() {
    SplittableRandom rnd = new SplittableRandom(17);
    for (int t = 0; t < 2000; t++) {
      long steps = rnd.nextLong(0, 30_000);
      long start = rnd.nextBoolean() ? 0 : rnd.nextLong(0, steps + 1);
      long every = rnd.nextInt(4) == 0 ? 0 : rnd.nextLong(1, 5_000);
      boolean log = rnd.nextBoolean();
      String what = "start " + start + ", steps " + steps + ", every " + every + ", log " + log;
      assertEquals(
          evalsByLoop(start, steps, every, log),
          Estimates.evaluations(start, steps, every, log),
          what);
      assertEquals(
          checkpointsByLoop(start, steps, every), Estimates.checkpoints(start, steps, every), what);
    }
  }

  @Test
  void blocksAndLocalParallelism() {
    assertEquals(4, Estimates.blocks(2048, 2, 1000)); // 1024 + 1024 rows: 2 + 2
    assertEquals(2, Estimates.blocks(10, 2, 1024));
    assertEquals(1, Estimates.localParallelism("local"));
    assertEquals(3, Estimates.localParallelism("local[3]"));
    assertEquals(4, Estimates.localParallelism("local-cluster[2, 2, 1024]"));
    assertEquals(
        Runtime.getRuntime().availableProcessors(), Estimates.localParallelism("local[*]"));
    assertEquals(0, Estimates.localParallelism("spark://h:7077"));
  }
}
