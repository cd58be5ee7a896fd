package io.marginflow.common.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointMetaTest {

  static CheckpointMeta sample() {
    Map<String, Object> monitor = new LinkedHashMap<>();
    monitor.put("first_separated_step", 17L); // a Long that fits an int: canonicalized to Integer
    monitor.put("big", 1L << 40);
    monitor.put("min_margin", 0.25f); // a Float: canonicalized to Double
    monitor.put("history", new double[] {1.5, -2.0});
    monitor.put("nested", Map.of("ok", true, "label", "x"));
    monitor.put("none", null);
    return new CheckpointMeta(
        1200,
        new CheckpointMeta.StepRuleState(1200, Math.log(0.1), Double.NEGATIVE_INFINITY, 12, 2),
        "iid",
        -42L,
        123_456,
        7_890,
        0.125,
        1000,
        monitor,
        Map.of("note", "resumed twice"));
  }

  @Test
  void roundTripEquals() throws IOException {
    CheckpointMeta meta = sample();
    byte[] json = meta.toJson();
    CheckpointMeta back = CheckpointMeta.fromJson(json, "meta.json");
    assertEquals(meta, back);
    assertEquals(back, CheckpointMeta.fromJson(back.toJson(), "again"));
  }

  @Test
  void nonFiniteStepRuleValuesRoundTrip() throws IOException {
    CheckpointMeta.StepRuleState nan =
        new CheckpointMeta.StepRuleState(0, Double.NaN, Double.POSITIVE_INFINITY, 0, 0);
    CheckpointMeta meta =
        new CheckpointMeta(0, nan, "reshuffle", 1, 0, 0, 0.0, -1, Map.of(), Map.of());
    assertEquals(meta, CheckpointMeta.fromJson(meta.toJson(), "m"));
  }

  @Test
  void writesTheDocumentedSnakeCaseKeysSchemaFirst() {
    String json = new String(sample().toJson(), StandardCharsets.UTF_8);
    assertTrue(json.startsWith("{\n  \"schema\" : 1,\n  \"step\" : 1200,"), json);
    for (String key :
        List.of(
            "\"step_rule\"",
            "\"log_alpha\"",
            "\"reference_log_loss\"",
            "\"epochs\"",
            "\"rollbacks\"",
            "\"sampler\"",
            "\"sampler_seed\"",
            "\"steps_jsonl_bytes\"",
            "\"eval_jsonl_bytes\"",
            "\"ode_time\"",
            "\"last_eval_step\"",
            "\"monitor\"",
            "\"extra\"")) {
      assertTrue(json.contains(key), key + " missing in " + json);
    }
    assertTrue(json.endsWith("}\n"), "ends with a newline");
  }

  @Test
  void goldenVersion1StillParses() throws IOException {
    String name = "/formats/checkpoint-meta-v1.json";
    CheckpointMeta meta = CheckpointMeta.fromJson(CheckpointFormatTest.resource(name), name);
    assertEquals(1200, meta.step());
    assertEquals(
        new CheckpointMeta.StepRuleState(1200, -2.302585092994046, -35.5, 12, 2), meta.stepRule());
    assertEquals("iid", meta.sampler());
    assertEquals(42, meta.samplerSeed());
    assertEquals(123456, meta.stepsBytes());
    assertEquals(7890, meta.evalBytes());
    assertEquals(0.125, meta.odeTime());
    assertEquals(1000, meta.lastEvalStep());
    assertEquals(Map.of("first_separated_step", 17, "flags", List.of("separated")), meta.monitor());
    assertEquals(Map.of(), meta.extra());
  }

  @Test
  void readerRejectsUnknownSchemaMissingFieldsAndBadValuesNamingTheSource() {
    String good = new String(sample().toJson(), StandardCharsets.UTF_8);

    FormatException schema =
        assertThrows(
            FormatException.class, () -> read(good.replace("\"schema\" : 1", "\"schema\" : 2")));
    assertTrue(
        schema.getMessage().startsWith("ck/meta.json: unsupported checkpoint meta schema 2"));
    assertTrue(schema.getMessage().contains("(supported: 1)"), schema.getMessage());

    FormatException missing =
        assertThrows(
            FormatException.class, () -> read(good.replace("\"ode_time\"", "\"odeTime\"")));
    assertTrue(missing.getMessage().startsWith("ck/meta.json: invalid checkpoint meta"));
    assertTrue(missing.getMessage().contains("ode_time"), missing.getMessage());

    FormatException bad =
        assertThrows(
            FormatException.class,
            () -> read(good.replace("\"last_eval_step\" : 1000", "\"last_eval_step\" : 5000")));
    assertTrue(
        bad.getMessage().contains("last_eval_step: expected in [-1, step=1200], got 5000"),
        bad.getMessage());

    FormatException notJson = assertThrows(FormatException.class, () -> read("{\"schema\": 1,"));
    assertTrue(notJson.getMessage().startsWith("ck/meta.json: checkpoint meta is not valid JSON"));
  }

  @Test
  void constructorRejectsBadValuesNamingTheField() {
    CheckpointMeta s = sample();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new CheckpointMeta(5, s.stepRule(), " ", 0, 0, 0, 0, -1, Map.of(), Map.of()));
    assertTrue(e.getMessage().startsWith("sampler:"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new CheckpointMeta(5, s.stepRule(), "iid", 0, -1, 0, 0, -1, Map.of(), Map.of()));
    assertTrue(e.getMessage().startsWith("steps_jsonl_bytes: expected >= 0, got -1"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new CheckpointMeta(
                    5, s.stepRule(), "iid", 0, 0, 0, Double.NaN, -1, Map.of(), Map.of()));
    assertTrue(e.getMessage().startsWith("ode_time:"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> s.withMonitor(Map.of("margin", Double.NaN)));
    assertTrue(e.getMessage().startsWith("monitor.margin: non-finite number NaN"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> s.withMonitor(Map.of("thing", new Object())));
    assertTrue(e.getMessage().startsWith("monitor.thing: unsupported JSON value"), e.getMessage());
  }

  @Test
  void mapsAreImmutableCopies() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a", 1);
    CheckpointMeta meta = sample().withMonitor(m);
    m.put("b", 2);
    assertEquals(Map.of("a", 1), meta.monitor());
    assertThrows(UnsupportedOperationException.class, () -> meta.monitor().put("c", 3));
  }

  private static CheckpointMeta read(String json) throws FormatException {
    return CheckpointMeta.fromJson(json.getBytes(StandardCharsets.UTF_8), "ck/meta.json");
  }
}
