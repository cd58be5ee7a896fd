package io.marginflow.spark.job;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.MetricsJson;
import io.marginflow.common.stats.StepRow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Reads a run directory's files back for assertions (through the Hadoop FileSystem API). */
final class RunFiles {

  private RunFiles() {}

  static TrainConfig config(String... flags) {
    return TrainConfig.from(ConfigLoader.parse(flags).settings());
  }

  static String text(URI runDir, String rel, Configuration conf) throws IOException {
    Path p = new Path(new Path(runDir), rel);
    FileSystem fs = p.getFileSystem(conf);
    try (InputStream in = fs.open(p)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  static boolean exists(URI runDir, String rel, Configuration conf) throws IOException {
    Path p = new Path(new Path(runDir), rel);
    return p.getFileSystem(conf).exists(p);
  }

  static List<StepRow> steps(URI runDir, Configuration conf) throws IOException {
    List<StepRow> rows = new ArrayList<>();
    for (String line : text(runDir, "metrics/steps.jsonl", conf).split("\n")) {
      if (!line.isEmpty()) {
        rows.add(withoutWall(MetricsJson.parseStepRow(line)));
      }
    }
    return rows;
  }

  static List<EvalRow> evals(URI runDir, Configuration conf) throws IOException {
    List<EvalRow> rows = new ArrayList<>();
    for (String line : text(runDir, "metrics/eval.jsonl", conf).split("\n")) {
      if (!line.isEmpty()) {
        rows.add(MetricsJson.parseEvalRow(line));
      }
    }
    return rows;
  }

  /** The metric file with every {@code wall_ms} value blanked: what must be bit-identical. */
  static String stepsWithoutWall(URI runDir, Configuration conf) throws IOException {
    return text(runDir, "metrics/steps.jsonl", conf)
        .replaceAll("\"wall_ms\":[^,}]*", "\"wall_ms\":0");
  }

  /** wall_ms is the only field that depends on the machine's speed: blank it for comparisons. */
  static StepRow withoutWall(StepRow r) {
    return r.withWallMs(0.0);
  }
}
