package io.marginflow.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.ConfigKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Submissions are validated key by key before anything launches; a failure names the key. */
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
    ApiException e = assertThrows(ApiException.class, () -> parse(body), body);
    assertEquals(400, e.status());
    assertEquals(key, e.key(), e.getMessage());
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
}
