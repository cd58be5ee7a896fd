package io.marginflow.bench;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.io.LibsvmReader;
import io.marginflow.common.stats.StepRow;
import io.marginflow.common.train.InMemoryRecorder;
import io.marginflow.common.train.LocalTrainer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Times the single-process oracle ({@link LocalTrainer}) per step on a LIBSVM file: the compute a
 * distributed step cannot go below. Usage: {@code LocalStepTiming FILE FEATURES [train flags...]};
 * prints the median and p90 of the per-step wall time (wall_ms of the step rows, first 10%
 * skipped).
 */
public final class LocalStepTiming {

  private LocalStepTiming() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int features = Integer.parseInt(args[1]);
    TrainConfig cfg =
        TrainConfig.from(ConfigLoader.parse(Arrays.copyOfRange(args, 2, args.length)).settings());
    Dataset data = LibsvmReader.read(file, features, true, 1024);
    InMemoryRecorder rec = new InMemoryRecorder();
    long t0 = System.nanoTime();
    new LocalTrainer(cfg, features).run(data, null, rec, null);
    double total = (System.nanoTime() - t0) / 1e6;
    double[] w =
        rec.steps().stream()
            .mapToDouble(StepRow::wallMs)
            .skip(rec.steps().size() / 10)
            .sorted()
            .toArray();
    System.out.printf(
        "local: %d steps, median %.3f ms/step, p90 %.3f ms/step, total %.0f ms%n",
        rec.steps().size(), w[w.length / 2], w[(int) (w.length * 0.9)], total);
  }
}
