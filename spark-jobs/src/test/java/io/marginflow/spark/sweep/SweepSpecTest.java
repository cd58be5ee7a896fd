package io.marginflow.spark.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.format.SweepManifest;
import io.marginflow.spark.cli.MarginflowCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing and planning of sweeps: grid and seeds from flags and YAML, and the errors. */
class SweepSpecTest {

  private static final Instant NOW = Instant.parse("2026-12-06T01:02:03Z");

  @TempDir Path tmp;

  @Test
  void flagsExpandToOneRunPerGridPointAndSeed() throws IOException {
    SweepSpec s =
        SweepSpec.parse(
            new String[] {
              "--grid",
              "step=0.5,1",
              "--grid",
              "model=mlp:20-8-1,mlp:20-16-1",
              "--seeds",
              "1-2,9",
              "--steps",
              "77",
              "--out",
              "root",
              "--parallel",
              "3"
            });
    SweepManifest m = s.plan(s.sweepId(NOW), NOW);
    assertEquals("sweep-20261206-010203", m.sweepId());
    assertEquals(List.of(1L, 2L, 9L), m.seeds());
    assertEquals(3, m.parallel());
    assertEquals(12, m.runs().size());
    SweepManifest.Run first = m.runs().get(0);
    assertEquals("00-step=0.5-model=mlp_20-8-1-s1", first.id());
    assertEquals(Map.of("step", "0.5", "model", "mlp:20-8-1"), first.point());
    assertEquals("77", first.config().get("steps"));
    assertEquals("1", first.config().get("seed"));
    SweepManifest.Run last = m.runs().get(11);
    assertEquals("11-step=1-model=mlp_20-16-1-s9", last.id());
    assertEquals("1", last.config().get("step"));
    assertEquals("9", last.config().get("seed"));
    assertTrue(m.runs().stream().allMatch(r -> r.status().equals(SweepManifest.PENDING)));
    assertEquals(12, m.runs().stream().map(SweepManifest.Run::id).distinct().count());
  }

  @Test
  void yamlHoldsGridAndSeedsNextToTheRunKeysAndFlagsOverrideIt() throws IOException {
    Path f = tmp.resolve("s.yaml");
    Files.writeString(
        f,
        """
        steps: 300
        batch: 10
        grid:
          batch: [1, 10, 100]
          loss: exp
        seeds: [3, 4]
        parallel: 4
        name: e4
        out: results
        """);
    SweepSpec s = SweepSpec.parse(new String[] {"--config", f.toString(), "--steps", "500"});
    assertEquals(List.of(ConfigKey.BATCH, ConfigKey.LOSS), List.copyOf(s.grid().keySet()));
    assertEquals(List.of("1", "10", "100"), s.grid().get(ConfigKey.BATCH));
    assertEquals(List.of(3L, 4L), s.seeds());
    assertEquals(4, s.parallel());
    assertEquals("e4", s.sweepId(NOW));
    assertEquals("results", s.root());
    assertEquals("500", s.base().text(ConfigKey.STEPS));
    SweepManifest m = s.plan("e4", NOW);
    assertEquals(6, m.runs().size());
    assertEquals("100", m.runs().get(5).config().get("batch"));
  }

  @Test
  void aBadGridKeyFailsNamingIt() throws IOException {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> SweepSpec.parse(new String[] {"--grid", "stepp=1,2", "--seeds", "1"}));
    assertTrue(e.getMessage().contains("unknown grid key 'stepp'"), e.getMessage());
    Path f = tmp.resolve("bad.yaml");
    Files.writeString(f, "grid:\n  sampler: [iid]\n  lr: [0.1]\n");
    e =
        assertThrows(
            ConfigException.class, () -> SweepSpec.parse(new String[] {"--config", f.toString()}));
    assertTrue(
        e.getMessage().contains("'lr'") && e.getMessage().contains(f.toString()), e.getMessage());
    e =
        assertThrows(
            ConfigException.class, () -> SweepSpec.parse(new String[] {"--grid", "seed=1,2"}));
    assertTrue(e.getMessage().contains("seeds"), e.getMessage());
  }

  @Test
  void theCommandRefusesABadGridKeyBeforeAnythingStarts() {
    Path root = tmp.resolve("root");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        MarginflowCli.run(
            new String[] {"sweep", "--grid", "modle=mlp:20-8-1", "--out", root.toString()},
            new PrintStream(new ByteArrayOutputStream()),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("'modle'"), err.toString());
    assertFalse(Files.exists(root), "nothing was written");
  }

  @Test
  void aBadGridValueIsPlannedAsAFailedRunWithItsReason() throws IOException {
    SweepSpec s = SweepSpec.parse(new String[] {"--grid", "sampler=iid,sgd"});
    SweepManifest m = s.plan("x", NOW);
    assertEquals(SweepManifest.PENDING, m.runs().get(0).status());
    SweepManifest.Run bad = m.runs().get(1);
    assertEquals(SweepManifest.FAILED, bad.status());
    assertTrue(bad.reason().contains("sampler") && bad.reason().contains("sgd"), bad.reason());
  }

  @Test
  void seedRangesAndListsAndTheirErrors() {
    assertEquals(List.of(1L, 2L, 3L, 10L), SweepSpec.seeds("1-3, 10", "s"));
    assertThrows(ConfigException.class, () -> SweepSpec.seeds("3-1", "s"));
    assertThrows(ConfigException.class, () -> SweepSpec.seeds("a", "s"));
    assertThrows(ConfigException.class, () -> SweepSpec.parse(new String[] {"--seeds", "1,1"}));
  }
}
