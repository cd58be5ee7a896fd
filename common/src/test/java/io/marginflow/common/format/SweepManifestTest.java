package io.marginflow.common.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sweep file: write → read → equals, validation, and the schema check. */
class SweepManifestTest {

  private static SweepManifest sample() {
    return new SweepManifest(
        "sweep-1",
        Instant.parse("2026-12-06T01:02:03Z"),
        Map.of("step", List.of("0.5", "1")),
        List.of(1L, 2L),
        2,
        List.of(
            new SweepManifest.Run(
                "0-step=0.5-s1",
                Map.of("step", "0.5"),
                1,
                Map.of("step", "0.5", "seed", "1"),
                SweepManifest.FINISHED,
                "steps",
                2000,
                12.5),
            new SweepManifest.Run(
                "1-step=1-s2",
                Map.of("step", "1"),
                2,
                Map.of(),
                SweepManifest.FAILED,
                "NonFiniteException: step 3",
                -1,
                -1)));
  }

  @Test
  void roundTrips() throws FormatException {
    SweepManifest m = sample();
    byte[] json = m.toJson();
    assertEquals(m, SweepManifest.fromJson(json, "sweep.json"));
    String text = new String(json, StandardCharsets.UTF_8);
    assertTrue(text.contains("\"schema\" : 1"), text);
    assertTrue(text.contains("\"wall_s\" : 12.5"), text);
  }

  @Test
  void withRunReplacesOneRun() {
    SweepManifest m = sample();
    SweepManifest.Run r = m.runs().get(1).with(SweepManifest.RUNNING, "", 10, -1);
    SweepManifest n = m.withRun(1, r);
    assertEquals(r, n.runs().get(1));
    assertEquals(m.runs().get(0), n.runs().get(0));
    assertTrue(!n.runs().get(1).done() && m.runs().get(1).done());
  }

  @Test
  void rejectsBadValuesAndUnknownSchemas() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new SweepManifest.Run("a/b", Map.of(), 1, Map.of(), SweepManifest.PENDING, "", -1, -1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SweepManifest.Run("a", Map.of(), 1, Map.of(), "done", "", -1, -1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SweepManifest("s", Instant.EPOCH, Map.of(), List.of(), 1, List.of()));
    String json =
        new String(sample().toJson(), StandardCharsets.UTF_8)
            .replace("\"schema\" : 1", "\"schema\" : 9");
    FormatException e =
        assertThrows(
            FormatException.class,
            () -> SweepManifest.fromJson(json.getBytes(StandardCharsets.UTF_8), "x/sweep.json"));
    assertTrue(e.getMessage().contains("supported: 1"), e.getMessage());
  }
}
