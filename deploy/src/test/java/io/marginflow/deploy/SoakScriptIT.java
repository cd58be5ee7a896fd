package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fault B8 at smoke size: {@code deploy/bin/soak --steps 600} (the full soak is {@code --steps
 * 1000000}, hours on the per-step path). Injected: a run stopped at half its budget and resumed.
 * Compared: θ and metric rows of the resumed run with the uninterrupted one, byte for byte; metric
 * files well-formed (every line a JSON object, consecutive steps); driver RSS reported.
 */
class SoakScriptIT {

  @Test
  void smokeSoakPassesEveryCheck() {
    Path out = Path.of("target", "soak-smoke").toAbsolutePath();
    Scripts.Result r =
        Scripts.run(
            "soak-smoke",
            Map.of(),
            Duration.ofMinutes(10),
            "soak",
            "--steps",
            "600",
            "--out",
            out.toString());
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("ok    theta at step 600"), r.output());
    assertTrue(r.output().contains("ok    steps.jsonl of A and B equal"), r.output());
    assertTrue(r.output().contains("info  driver RSS"), r.output());
    assertFalse(r.output().contains("FAIL"), r.output());
  }
}
