package io.marginflow.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every problem of a command line or config file is found, and misspelt keys get a suggestion. */
class ConfigCheckTest {

  @TempDir Path tmp;

  @Test
  void nearestKeySuggestsTheIntendedKeyAndNothingForNonsense() {
    assertEquals(Optional.of(ConfigKey.STEPS), ConfigKey.nearest("stpes"));
    assertEquals(Optional.of(ConfigKey.BATCH), ConfigKey.nearest("bacth"));
    assertEquals(Optional.of(ConfigKey.TEST_DATA), ConfigKey.nearest("test_dat"));
    assertEquals(Optional.of(ConfigKey.CHECKPOINT_EVERY), ConfigKey.nearest("checkpoint-evry"));
    assertEquals(Optional.empty(), ConfigKey.nearest("bogus"));
    assertEquals(Optional.empty(), ConfigKey.nearest("xy"));
    assertEquals(" (did you mean --steps?)", ConfigKey.suggestion("stpes", "--"));
    assertEquals(1, ConfigKey.editDistance("stpes", "steps"));
    assertEquals(3, ConfigKey.editDistance("kitten", "sitting"));
  }

  @Test
  void parseThrowsTheFirstProblemWithTheSuggestion() {
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> ConfigLoader.parse(new String[] {"--stpes", "5"}));
    assertTrue(
        e.getMessage().contains("unknown flag --stpes (did you mean --steps?)"), e.getMessage());
  }

  @Test
  void inspectCollectsEveryUnknownKeyWithFileAndLine() throws IOException {
    Path cfg = tmp.resolve("run.yaml");
    Files.writeString(cfg, "# a run\nsteps: 10\nbacth: 5\nmodle: mlp:2-1\n");
    ConfigLoader.Parsed p =
        ConfigLoader.inspect(new String[] {"--config", cfg.toString(), "--sed", "3", "--loss"});
    List<String> msgs = p.problems().stream().map(Throwable::getMessage).toList();
    assertEquals(4, msgs.size(), msgs.toString());
    assertTrue(
        msgs.get(0).contains("run.yaml:3: unknown key 'bacth' (did you mean batch?)"), msgs.get(0));
    assertTrue(
        msgs.get(1).contains("run.yaml:4: unknown key 'modle' (did you mean model?)"), msgs.get(1));
    assertTrue(msgs.get(2).contains("unknown flag --sed (did you mean --seed?)"), msgs.get(2));
    assertTrue(msgs.get(3).contains("flag --loss needs a value"), msgs.get(3));
    assertEquals(cfg + ":2", p.origin(ConfigKey.STEPS));
    assertEquals("--model", p.origin(ConfigKey.MODEL));
  }

  @Test
  void everyBadValueIsReportedNotOnlyTheFirst() {
    Settings s =
        ConfigLoader.parse(
                new String[] {
                  "--steps",
                  "-1",
                  "--loss",
                  "hinge",
                  "--batch",
                  "zero",
                  "--schedule",
                  "cosine",
                  "--relu-derivative-at-zero",
                  "2",
                  "--seed",
                  "7"
                })
            .settings();
    ConfigCheck.Result r = ConfigCheck.of(s);
    List<String> msgs = r.problems().stream().map(Throwable::getMessage).toList();
    assertEquals(5, msgs.size(), msgs.toString());
    assertTrue(
        msgs.stream().anyMatch(m -> m.startsWith("steps: expected an integer ≥ 0, got '-1'")),
        msgs.toString());
    assertTrue(msgs.stream().anyMatch(m -> m.contains("exp|logistic")), msgs.toString());
    assertTrue(msgs.stream().anyMatch(m -> m.startsWith("batch:")), msgs.toString());
    assertTrue(msgs.stream().anyMatch(m -> m.startsWith("schedule:")), msgs.toString());
    assertTrue(
        msgs.stream().anyMatch(m -> m.startsWith("relu-derivative-at-zero:")), msgs.toString());
    assertEquals(
        Set.of(
            ConfigKey.STEPS,
            ConfigKey.LOSS,
            ConfigKey.BATCH,
            ConfigKey.SCHEDULE,
            ConfigKey.RELU_DERIVATIVE_AT_ZERO),
        r.faulty());
    assertNotNull(r.config(), "the repaired config lets later checks go on");
    assertEquals(7, r.config().optimizer().seed(), "good values are kept");
    assertTrue(ConfigCheck.of(Settings.defaults()).ok());
  }
}
