package io.marginflow.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each class of user error, through {@code marginflow check} and {@code marginflow train}: the
 * message names it, the exit code is 2, and no file or directory is created anywhere (neither the
 * {@code --out} directory nor anything under the default {@code runs/}, nor next to the data).
 * Training cases run on the shared local[2] session (the command reuses it and leaves it running).
 */
class CheckCommandIT {

  @TempDir Path tmp;

  @BeforeAll
  static void session() {
    SparkFixture.spark();
  }

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  /** Every path under {@code root} with its size and modification time. */
  private static Map<String, String> tree(Path root) throws IOException {
    Map<String, String> m = new TreeMap<>();
    if (!Files.exists(root)) {
      return m;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        m.put(root.relativize(p).toString(), Files.size(p) + "@" + Files.getLastModifiedTime(p));
      }
    }
    return m;
  }

  /**
   * Runs {@code check} and {@code train} with {@code args} and asserts exit 2, every expected
   * fragment in the message, and nothing created under the temporary folder or {@code runs/}.
   */
  private void assertRefused(String[] args, String... expected) throws IOException {
    Path runs = Path.of("runs");
    for (String command : new String[] {"check", "train"}) {
      Map<String, String> before = tree(tmp);
      Map<String, String> runsBefore = tree(runs);
      List<String> all = new ArrayList<>(List.of(command));
      all.addAll(List.of(args));
      CliRun r = run(all.toArray(String[]::new));
      assertEquals(2, r.code(), command + " " + all + ": " + r.err() + r.out());
      for (String e : expected) {
        assertTrue(r.err().contains(e), command + ": expected '" + e + "' in: " + r.err());
      }
      assertEquals(before, tree(tmp), command + ": nothing may be created next to the inputs");
      assertEquals(runsBefore, tree(runs), command + ": nothing may be created under runs/");
    }
  }

  private Path libsvm(String name, String content) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, content);
    return p;
  }

  private static final String GOOD = "+1 1:0.5 3:1\n-1 2:1\n+1 1:1 2:0.5\n-1 3:0.25\n";

  @Test
  void badKeySuggestsTheNearestOne() throws IOException {
    assertRefused(
        new String[] {"--stpes", "5", "--out", tmp.resolve("out").toString()},
        "unknown flag --stpes (did you mean --steps?)");
    Path cfg = tmp.resolve("run.yaml");
    Files.writeString(cfg, "steps: 10\nbatchsize: 5\n");
    assertRefused(new String[] {"--config", cfg.toString()}, "run.yaml:2: unknown key 'batchsize'");
  }

  @Test
  void badValueNamesTheKeyAndItsOrigin() throws IOException {
    assertRefused(new String[] {"--steps", "-1"}, "steps: expected an integer ≥ 0, got '-1'");
    Path cfg = tmp.resolve("bad.yaml");
    Files.writeString(cfg, "loss: logistic\nsampler: shuffled\n");
    assertRefused(new String[] {"--config", cfg.toString()}, "bad.yaml:2", "sampler");
  }

  @Test
  void nonHomogeneousSpecIsRefused() throws IOException {
    assertRefused(
        new String[] {"--model", "mlp:20-32-1/act=sigmoid", "--out", tmp.resolve("o").toString()},
        "model: network spec 'mlp:20-32-1/act=sigmoid'",
        "act=sigmoid refused",
        "not positively 1-homogeneous");
  }

  @Test
  void specFeatureMismatchNamesBothCounts() throws IOException {
    Path data = libsvm("good.libsvm", GOOD);
    assertRefused(
        new String[] {"--data", data.toString(), "--features", "3", "--model", "mlp:5-4-1"},
        "mlp:5-4-1 takes 5 inputs but the data have 3 features");
  }

  @Test
  void badLabelNamesFileAndLine() throws IOException {
    Path data = libsvm("label.libsvm", "+1 1:1\n-1 2:1\n2 1:1\n");
    assertRefused(
        new String[] {"--data", data.toString(), "--features", "3", "--model", "mlp:3-4-1"},
        "label.libsvm:3");
  }

  @Test
  void missingFileIsNamed() throws IOException {
    assertRefused(
        new String[] {"--data", tmp.resolve("missing.libsvm").toString()},
        "missing.libsvm: no such file");
  }

  @Test
  void nonEmptyOutputIsRefused() throws IOException {
    Path out = Files.createDirectory(tmp.resolve("used"));
    Files.writeString(out.resolve("notes.txt"), "mine\n");
    assertRefused(
        new String[] {"--generator-rows", "50", "--out", out.toString()},
        "is not empty",
        "--resume");
    Path data = libsvm("good.libsvm", GOOD);
    assertRefused(
        new String[] {"--data", tmp.toString(), "--out", tmp.resolve("inside").toString()},
        "is inside the input");
    assertTrue(Files.exists(data));
  }

  @Test
  void everyProblemIsListedNotOnlyTheFirst() throws IOException {
    Path data = libsvm("label.libsvm", "+1 1:1\n3 2:1\n");
    Path out = Files.createDirectory(tmp.resolve("used"));
    Files.writeString(out.resolve("x"), "x");
    assertRefused(
        new String[] {
          "--stpes",
          "5",
          "--loss",
          "hinge",
          "--batch",
          "0",
          "--data",
          data.toString(),
          "--out",
          out.toString()
        },
        "5 problems found; nothing was written",
        "did you mean --steps?",
        "loss:",
        "batch:",
        "label.libsvm:2",
        "is not empty");
  }

  @Test
  void resumeWithAChangedTrajectoryKeyOrAnotherOutIsRefusedAndTheRunIsUntouched()
      throws IOException {
    Path run = tmp.resolve("run");
    String[] base = {
      "--generator-rows",
      "60",
      "--generator-features",
      "4",
      "--model",
      "mlp:4-3-1",
      "--steps",
      "6",
      "--batch",
      "10",
      "--checkpoint-every",
      "3",
      "--eval-every",
      "3",
      "--partitions",
      "2"
    };
    List<String> first = new ArrayList<>(List.of("train"));
    first.addAll(List.of(base));
    first.addAll(List.of("--out", run.toString()));
    CliRun r = run(first.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    assertRefused(
        new String[] {"--resume", run.toString(), "--steps", "9", "--seed", "7"},
        "--seed cannot change on resume (recorded '42', given '7')");
    assertRefused(
        new String[] {"--resume", run.toString(), "--out", tmp.resolve("elsewhere").toString()},
        "differs from the run being resumed");
    CliRun ok = run("check", "--resume", run.toString(), "--steps", "9", "--out", run.toString());
    assertEquals(0, ok.code(), ok.err());
    assertTrue(ok.out().contains("resume from step 6"), ok.out());
  }

  @Test
  void helpDocumentsCheckDryRunAndTrustData() {
    for (String command : new String[] {"train", "check"}) {
      CliRun r = run(command, "--help");
      assertEquals(0, r.code());
      for (String s : new String[] {"marginflow check", "--dry-run", "--trust-data", "--steps V"}) {
        assertTrue(r.out().contains(s), command + " --help lacks " + s + ":\n" + r.out());
      }
    }
  }

  @Test
  void checkPrintsThePlanAndWritesNothing() throws IOException {
    Path data = libsvm("good.libsvm", GOOD);
    Path out = tmp.resolve("out");
    Map<String, String> before = tree(tmp);
    CliRun r =
        run(
            "check",
            "--data",
            data.toString(),
            "--features",
            "3",
            "--model",
            "mlp:3-4-4-1",
            "--steps",
            "100",
            "--eval-every",
            "50",
            "--log-spaced-evals",
            "false",
            "--checkpoint-every",
            "30",
            "--batch",
            "2",
            "--partitions",
            "2",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    for (String s :
        new String[] {
          "4 rows (2 positive)",
          "features:       3",
          "d = 32, L = 3",
          "step path:      auto: rows or job",
          "cached data:",
          "driver memory:",
          "100 steps to go, 3 evaluations, 5 checkpoints",
          "the run would start"
        }) {
      assertTrue(r.out().contains(s), "expected '" + s + "' in:\n" + r.out());
    }
    assertEquals(before, tree(tmp));
    CliRun dry =
        run(
            "train",
            "--dry-run",
            "--data",
            data.toString(),
            "--model",
            "mlp:3-4-1",
            "--batch",
            "2");
    assertEquals(0, dry.code(), dry.err());
    assertTrue(dry.out().contains("d = 16, L = 2"), dry.out());
    assertEquals(before, tree(tmp));
  }
}
