package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.marginflow.common.config.ConfigException;
import io.marginflow.common.format.FormatException;
import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.testing.Mutation;
import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.spark.testing.SparkFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault B7 for data: seeded mutations of the first lines of real files from {@code
 * ../shared/datasets} (a9a and Spark's sample in LIBSVM, the breast-cancer CSV), written plain or
 * gzip-compressed (the compressed bytes are mutated too), trained on by {@link TrainJob} on Spark
 * {@code local[2]} for two steps. Injected: 1–3 {@link Mutation}s per input. Compared: each run
 * either finishes (status.json "finished") or fails with the project's own error ({@link
 * DataFormatException}, {@link FormatException}, {@link ConfigException}, or an {@code
 * IllegalArgumentException} raised by marginflow's validation) naming the input file, within
 * {@value #TIMEOUT_S} s, and leaves no run directory behind (validation happens before anything is
 * written). Inputs: {@value #DEFAULT_INPUTS} by default (seconds), {@code -Dmarginflow.fuzz.data=N}
 * for more.
 */
class BadInputFuzzIT {

  private static final int DEFAULT_INPUTS = 12;
  private static final long SEED = 20261206L;
  private static final int TIMEOUT_S = 120;
  private static final int PREFIX_LINES = 40;

  /** A real file, the flags it needs and the features of the model trained on it. */
  private record Base(String dataset, String format, int features, List<String> flags) {}

  private static final List<Base> BASES =
      List.of(
          new Base("a9a/a9a.gz", "libsvm", 123, List.of()),
          new Base("spark-sample/sample_binary_classification_data.txt", "libsvm", 692, List.of()),
          new Base(
              "breast-cancer-wdbc/breast_cancer.csv",
              "csv",
              30,
              List.of("--csv-header", "true", "--csv-label-column", "30")));

  @TempDir Path tmp;

  @Test
  void mutatedRealFilesTrainOrFailWithTheProjectsErrorNamingTheFileAndWriteNothing()
      throws Exception {
    int inputs = Integer.getInteger("marginflow.fuzz.data", DEFAULT_INPUTS);
    SplittableRandom rnd = new SplittableRandom(SEED);
    SparkFixture.spark(); // created before the clock of the first input starts
    ExecutorService runner = Executors.newSingleThreadExecutor();
    int refused = 0;
    try {
      for (int i = 0; i < inputs; i++) {
        Base base = BASES.get(rnd.nextInt(BASES.size()));
        boolean gzip = rnd.nextBoolean();
        List<Mutation> mutations = Mutation.randomList(rnd, 3);
        byte[] plain = prefix(SharedDatasets.resolve(base.dataset()), PREFIX_LINES);
        byte[] content =
            gzip ? Mutation.applyAll(mutations, gzip(plain)) : Mutation.applyAll(mutations, plain);
        Path file = tmp.resolve("fuzz-" + i + "." + base.format() + (gzip ? ".gz" : ""));
        Files.write(file, content);
        Path out = tmp.resolve("run-" + i);
        String what =
            "input "
                + i
                + " (seed "
                + SEED
                + "): "
                + base.dataset()
                + (gzip ? " gzip" : "")
                + " with "
                + mutations;
        List<String> flags =
            new java.util.ArrayList<>(
                List.of(
                    "--data",
                    file.toString(),
                    "--format",
                    base.format(),
                    "--features",
                    Integer.toString(base.features()),
                    "--model",
                    "mlp:" + base.features() + "-2-1",
                    "--steps",
                    "2",
                    "--batch",
                    "5",
                    "--eval-every",
                    "1",
                    "--checkpoint-every",
                    "1",
                    "--partitions",
                    "2",
                    "--out",
                    out.toString()));
        flags.addAll(base.flags());
        Future<?> run =
            runner.submit(
                () ->
                    TrainJob.run(
                        RunFiles.config(flags.toArray(String[]::new)), SparkFixture.spark()));
        try {
          run.get(TIMEOUT_S, TimeUnit.SECONDS);
          String status = Files.readString(out.resolve("status.json"), StandardCharsets.UTF_8);
          assertTrue(status.contains("\"finished\""), what + ": " + status);
        } catch (TimeoutException e) {
          fail(what + ": no outcome within " + TIMEOUT_S + " s (a hang):\n" + threadDump());
        } catch (ExecutionException e) {
          refused++;
          Throwable t = e.getCause();
          boolean ours =
              t instanceof DataFormatException
                  || t instanceof FormatException
                  || t instanceof ConfigException
                  || (t instanceof IllegalArgumentException && thrownByTheProject(t));
          if (!ours || !String.valueOf(t.getMessage()).contains(file.getFileName().toString())) {
            fail(what + ": not the project's own error naming the file: " + t, t);
          }
          if (!isAbsentOrEmpty(out)) {
            fail(what + ": a failed run left " + listing(out));
          }
        }
      }
    } finally {
      runner.shutdownNow();
    }
    System.out.printf(
        "BadInputFuzzIT: %d mutated inputs, %d refused with the project's own error%n",
        inputs, refused);
  }

  /** An IllegalArgumentException raised by marginflow's own validation (not by a library). */
  private static boolean thrownByTheProject(Throwable t) {
    StackTraceElement[] st = t.getStackTrace();
    return st.length > 0 && st[0].getClassName().startsWith("io.marginflow.");
  }

  private static String threadDump() {
    StringBuilder sb = new StringBuilder();
    Thread.getAllStackTraces()
        .forEach(
            (t, st) -> {
              sb.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
              for (StackTraceElement e : st) {
                sb.append("    at ").append(e).append('\n');
              }
            });
    return sb.toString();
  }

  private static byte[] prefix(Path file, int lines) throws IOException {
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int seen = 0;
      int b;
      while (seen < lines && (b = in.read()) >= 0) {
        out.write(b);
        if (b == '\n') {
          seen++;
        }
      }
      return out.toByteArray();
    }
  }

  private static byte[] gzip(byte[] plain) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(plain);
    }
    return out.toByteArray();
  }

  private static boolean isAbsentOrEmpty(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return true;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  private static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.map(Path::toString).toList();
    }
  }
}
