package io.marginflow.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.ConfigKey;
import io.marginflow.spark.sweep.SweepSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Submissions of runs and sweeps are validated key by key before anything launches; a failure names
 * the key ({@code grid.KEY} for a bad grid key). A sweep is parsed as {@code marginflow sweep}
 * parses its file, its grid expanded and every run checked; the file handed to the launcher carries
 * the service's root, id and master.
 */
class RunRequestTest {

  @TempDir Path tmp;
  PathPolicy policy;
  Path root;
  Path data;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(tmp.resolve("runs"));
    data = Files.createDirectories(tmp.resolve("data"));
    policy = new PathPolicy(List.of(data.toString()), root.toString());
  }

  private RunRequest parse(String body) {
    return RunRequest.parse(body, policy, "run-new", "local[2]");
  }

  private void refused(String body, String key) {
    refused(() -> parse(body), body, key);
  }

  private ApiException refusedSweep(String body, String key) {
    return refused(() -> parseSweep(body), body, key);
  }

  private static ApiException refused(
      org.junit.jupiter.api.function.Executable parse, String body, String key) {
    ApiException e = assertThrows(ApiException.class, parse, body);
    assertEquals(400, e.status());
    assertEquals(key, e.key(), e.getMessage());
    return e;
  }

  @Test
  void aGoodYamlOrJsonConfigIsAccepted() {
    RunRequest y = parse("model: mlp:20-8-1\nsteps: 50\nsnapshot-margins-at: [10, 20]\n");
    RunRequest j =
        parse("{\"model\": \"mlp:20-8-1\", \"steps\": 50, \"snapshot-margins-at\": [10, 20]}");
    assertEquals(y, j);
    assertEquals("run-new", y.id());
    assertEquals(root.resolve("run-new").toUri(), y.runDir());
    assertEquals("local[2]", y.given().get(ConfigKey.MASTER));
    assertEquals("10,20", y.given().get(ConfigKey.SNAPSHOT_MARGINS_AT));
    assertTrue(y.yaml().contains("out: \"" + root.resolve("run-new").toUri()), y.yaml());
    RunRequest named = parse("out: " + root.resolve("mine") + "\n");
    assertEquals("mine", named.id());
    RunRequest withData = parse("data: " + data.resolve("a.svm") + "\nfeatures: 4\n");
    assertEquals(data.resolve("a.svm").toString(), withData.given().get(ConfigKey.DATA));
  }

  @Test
  void badSubmissionsAreRefusedNamingTheKey() {
    refused("steps: -3\n", "steps");
    refused("batch: many\n", "batch");
    refused("loss: hinge\n", "loss");
    refused("no-such-key: 1\n", "no-such-key");
    refused("data: /etc/passwd\n", "data");
    refused("data: " + data.resolve("../x.svm") + "\n", "data");
    refused("test-data: /etc/shadow\n", "test-data");
    refused("init: /etc/passwd\n", "init");
    refused("out: /tmp/elsewhere\n", "out");
    refused("out: " + root.resolve("a/b") + "\n", "out");
    refused("out: " + root.resolve("_service") + "\n", "out");
    refused("resume: " + root.resolve("x") + "\n", "resume");
    refused("master: spark://evil:7077\n", "master");
    refused("[1, 2]\n", "body");
    refused("model: [1, {a: 2}]\n", "model");
    refused("model: mlp:20-bad\n", "model");
    refused("{{{\n", "body");
  }

  @Test
  void keyOfFindsTheLongestKeyAtTheStart() {
    assertEquals("steps", RunRequest.keyOf("steps: expected an integer ≥ 1, got 'x'"));
    assertEquals("test-data", RunRequest.keyOf("test-data: bad"));
    assertEquals("config", RunRequest.keyOf("something else"));
  }

  private static final String SWEEP =
      "model: mlp:20-8-1\nsteps: 50\ngrid:\n  step: [0.1, 0.3]\n  batch: [10, 20]\nseeds: 1-3\n";

  private SweepRequest parseSweep(String body) {
    return SweepRequest.parse(body, policy, "sweep-new", "local[2]");
  }

  @Test
  void aGoodSweepIsPlannedAndHandedOverWithTheServicesPlaces() throws Exception {
    SweepRequest s = parseSweep(SWEEP);
    assertEquals("sweep-new", s.id());
    assertEquals(12, s.runs());
    assertEquals(policy.runDir("sweep-new"), s.sweepDir());
    // the launched `marginflow sweep --config` reads the same plan, into the service's root
    Path f = Files.writeString(tmp.resolve("handed.yaml"), s.yaml());
    SweepSpec spec = SweepSpec.parse(new String[] {"--config", f.toString()});
    assertEquals("sweep-new", spec.name());
    assertEquals("local[2]", spec.base().text(io.marginflow.common.config.ConfigKey.MASTER));
    assertEquals(
        Path.of(policy.root()).toString().replaceAll("/+$", ""),
        Path.of(java.net.URI.create(spec.root())).toString());
    assertEquals(List.of(1L, 2L, 3L), spec.seeds());
    SweepRequest json =
        parseSweep(
            "{\"model\": \"mlp:20-8-1\", \"steps\": 50, \"grid\": {\"step\": [0.1, 0.3],"
                + " \"batch\": [10, 20]}, \"seeds\": \"1-3\", \"name\": \"e1\"}");
    assertEquals("e1", json.id());
    assertEquals(12, json.runs());
  }

  @Test
  void badSweepsAreRefusedNamingTheKey() {
    assertTrue(
        refusedSweep(SWEEP.replace("  batch:", "  bogus:"), "grid.bogus")
            .getMessage()
            .contains("bogus"));
    assertTrue(
        refusedSweep(SWEEP.replace("[0.1, 0.3]", "[0.1, -1]"), "step").getMessage().contains("-1"));
    refusedSweep(SWEEP.replace("  batch:", "  seed:"), "grid.seed");
    refusedSweep(SWEEP.replace("  batch:", "  out:"), "grid.out");
    refusedSweep(SWEEP.replace("seeds: 1-3", "seeds: 3-1"), "seeds");
    refusedSweep(SWEEP + "parallel: 0\n", "parallel");
    refusedSweep(SWEEP + "data: /etc/passwd\n", "data");
    refusedSweep(SWEEP + "out: " + tmp + "\n", "out");
    refusedSweep(SWEEP + "name: ../x\n", "name");
    refusedSweep(SWEEP + "master: yarn\n", "master");
    refusedSweep(SWEEP + "resume: " + root.resolve("x") + "\n", "resume");
    refusedSweep(SWEEP.replace("seeds: 1-3", "seeds: 1-1000"), "grid");
    refusedSweep("- a\n- b\n", "body");
    refusedSweep("grid: [\n", "body");
    refusedSweep(SWEEP + "no-such-key: 1\n", "no-such-key");
  }
}
