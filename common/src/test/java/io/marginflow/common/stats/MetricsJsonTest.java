package io.marginflow.common.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class MetricsJsonTest {

  private static final double NAN = Double.NaN;

  static StepRow stepRow() {
    return new StepRow(
        MetricsJson.SCHEMA,
        0,
        0.1,
        -0.6931471805599453,
        -1.25,
        1.0,
        0.015,
        2.5e-4,
        0.0125,
        0.01,
        3.5,
        Math.log(0.1),
        -4.25);
  }

  static EvalRow evalRow() {
    return new EvalRow(
        MetricsJson.SCHEMA,
        1000,
        "train",
        32561,
        -3.25,
        0.125,
        4.5,
        20.25,
        new double[] {2.0, 2.25},
        4.5,
        new double[] {0.0, 1.0625},
        -0.5,
        12.75,
        -0.024691358024691357,
        -0.1111111111111111,
        -0.03125,
        new MarginQuantiles(
            -0.024691358024691357, -0.01, 0.0, 0.05, 0.1, 0.25, 0.5, 0.6296296296296297),
        new long[] {3, 10, 50, 200, 1000, 5000, 32561},
        7.5,
        -12.5,
        3.75,
        1.0e-15,
        0.5,
        0.125,
        0.75,
        NAN,
        NAN,
        List.of());
  }

  @Test
  void goldenStepRowsWrittenBeforeTheNewFieldsStillParse() throws IOException {
    List<String> lines = resourceLines("formats/steps-v1.jsonl");
    assertEquals(2, lines.size());
    assertEquals(
        stepRow().tangentialStep(), MetricsJson.parseStepRow(lines.get(0)).tangentialStep());
    StepRow lossBased = MetricsJson.parseStepRow(lines.get(1));
    assertEquals(0.0, lossBased.gamma(), "γ underflows for the loss-based step");
    assertEquals(-1800.5, lossBased.logGamma());
    assertTrue(Double.isNaN(lossBased.tangentialStep()));
    assertTrue(Double.isNaN(lossBased.logEffectiveStep()), "absent: NaN");
    assertEquals(Double.NEGATIVE_INFINITY, lossBased.batchMinMargin());
  }

  @Test
  void goldenStepRowsParseAndReserializeByteForByte() throws IOException {
    List<String> lines = resourceLines("formats/steps-v1-fields2.jsonl");
    assertEquals(3, lines.size());
    assertEquals(-4.25, MetricsJson.parseStepRow(lines.get(0)).logEffectiveStep());
    StepRow under = MetricsJson.parseStepRow(lines.get(1));
    assertEquals(0.0, under.gamma(), "a null γ below the double range reads back as 0");
    assertEquals(-1800.5, under.logGamma());
    StepRow over = MetricsJson.parseStepRow(lines.get(2));
    assertEquals(Double.POSITIVE_INFINITY, over.gamma(), "a null γ above the range reads as ∞");
    assertEquals(1850.25, over.logGamma());
    for (String line : lines) {
      assertEquals(line, MetricsJson.toJsonLine(MetricsJson.parseStepRow(line)));
    }
  }

  @Test
  void gammaOutOfTheDoubleRangeIsWrittenAsNullNotAString() throws IOException {
    StepRow r = stepRow();
    for (double logGamma : new double[] {800.0, 1842.1, -800.0}) {
      StepRow row =
          new StepRow(
              r.schema(),
              r.step(),
              Math.exp(logGamma),
              r.batchLogLoss(),
              r.batchMinMargin(),
              r.norm(),
              r.radialLossTerm(),
              r.radialStepTerm(),
              r.stepNorm(),
              r.tangentialStep(),
              r.wallMs(),
              logGamma,
              -3.0);
      com.fasterxml.jackson.databind.JsonNode json =
          new ObjectMapper().readTree(MetricsJson.toJsonLine(row));
      assertTrue(json.get("gamma").isNull(), "γ = e^" + logGamma + " is written as null");
      assertEquals(logGamma, json.get("log_gamma").doubleValue());
      assertEquals(row, MetricsJson.parseStepRow(MetricsJson.toJsonLine(row)));
    }
    assertTrue(
        new ObjectMapper().readTree(MetricsJson.toJsonLine(stepRow())).get("gamma").isNumber());
  }

  @Test
  void goldenEvalRowsWrittenBeforeTheRelativeResidualStillParse() throws IOException {
    List<String> lines = resourceLines("formats/eval-v1.jsonl");
    assertEquals(2, lines.size());
    EvalRow old = MetricsJson.parseEvalRow(lines.get(0));
    assertTrue(Double.isNaN(old.tangentialResidualRel()));
    assertEquals(0.5, old.tangentialResidual());
  }

  @Test
  void goldenEvalRowsParseAndReserializeByteForByte() throws IOException {
    List<String> lines = resourceLines("formats/eval-v1-fields2.jsonl");
    assertEquals(2, lines.size());
    assertEquals(evalRow(), MetricsJson.parseEvalRow(lines.get(0)));
    EvalRow test = MetricsJson.parseEvalRow(lines.get(1));
    assertEquals("test", test.split());
    assertEquals(List.of("separated", "norm_decrease"), test.flags());
    assertEquals(Double.POSITIVE_INFINITY, test.effectiveSupport());
    assertTrue(Double.isNaN(test.alignment()));
    for (String line : lines) {
      assertEquals(line, MetricsJson.toJsonLine(MetricsJson.parseEvalRow(line)));
    }
  }

  @Test
  void writtenKeysAreExactlyTheDocumentedOnes() throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    assertEquals(
        new TreeSet<>(
            List.of(
                "schema",
                "step",
                "gamma",
                "batch_log_loss",
                "batch_min_margin",
                "norm",
                "radial_loss_term",
                "radial_step_term",
                "step_norm",
                "tangential_step",
                "wall_ms",
                "log_gamma",
                "log_effective_step")),
        keys(mapper.readTree(MetricsJson.toJsonLine(stepRow())).fieldNames()));
    assertEquals(
        new TreeSet<>(
            List.of(
                "schema",
                "step",
                "split",
                "n",
                "log_loss",
                "error_rate",
                "norm",
                "norm_pow_L",
                "layer_norms",
                "layer_norm_product",
                "layer_balance",
                "min_margin",
                "max_margin",
                "normalized_margin",
                "layer_normalized_margin",
                "smoothed_margin",
                "margin_quantiles",
                "near_support",
                "effective_support",
                "log_effective_step",
                "ode_time",
                "euler_residual",
                "tangential_residual",
                "tangential_residual_rel",
                "alignment",
                "direction_change",
                "margin_change_sup",
                "flags")),
        keys(mapper.readTree(MetricsJson.toJsonLine(evalRow())).fieldNames()));
    assertEquals(
        new TreeSet<>(List.of("q0", "q01", "q05", "q25", "q50", "q75", "q95", "q100")),
        keys(
            mapper
                .readTree(MetricsJson.toJsonLine(evalRow()))
                .get("margin_quantiles")
                .fieldNames()));
  }

  @Test
  void everyDoubleRoundTripsExactly() {
    SplittableRandom rnd = new SplittableRandom(61);
    for (int trial = 0; trial < 300; trial++) {
      StepRow s =
          new StepRow(
              1,
              rnd.nextLong(Long.MAX_VALUE),
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd));
      assertEquals(s, MetricsJson.parseStepRow(MetricsJson.toJsonLine(s)), s.toString());
      EvalRow e =
          new EvalRow(
              1,
              rnd.nextLong(Long.MAX_VALUE),
              rnd.nextBoolean() ? "train" : "test",
              rnd.nextLong(Long.MAX_VALUE),
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              new double[] {d(rnd), d(rnd), d(rnd)},
              d(rnd),
              new double[] {d(rnd), d(rnd), d(rnd)},
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              new MarginQuantiles(d(rnd), d(rnd), d(rnd), d(rnd), d(rnd), d(rnd), d(rnd), d(rnd)),
              new long[] {rnd.nextLong(), 0, 1, 2, 3, 4, Long.MAX_VALUE},
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              d(rnd),
              trial % 2 == 0 ? List.of() : List.of("non_finite", "left_late_stage"));
      assertEquals(e, MetricsJson.parseEvalRow(MetricsJson.toJsonLine(e)), e.toString());
    }
  }

  @Test
  void doublesUseShortDigitsAndNonFiniteValuesAreStrings() {
    String line =
        MetricsJson.toJsonLine(
            new StepRow(
                1,
                7,
                0.1,
                NAN,
                Double.NEGATIVE_INFINITY,
                Double.POSITIVE_INFINITY,
                -0.0,
                Double.MIN_VALUE,
                1e300,
                0,
                1,
                -2.302585092994046));
    assertEquals(
        "{\"schema\":1,\"step\":7,\"gamma\":0.1,\"batch_log_loss\":\"NaN\","
            + "\"batch_min_margin\":\"-Infinity\",\"norm\":\"Infinity\",\"radial_loss_term\":-0.0,"
            + "\"radial_step_term\":4.9E-324,\"step_norm\":1.0E300,\"tangential_step\":0.0,"
            + "\"wall_ms\":1.0,\"log_gamma\":-2.302585092994046,\"log_effective_step\":\"NaN\"}",
        line);
    assertTrue(!line.endsWith("\n"));
  }

  @Test
  void missingLogGammaDefaultsToLogOfGamma() {
    String line =
        MetricsJson.toJsonLine(stepRow()).replace(",\"log_gamma\":-2.3025850929940455", "");
    assertTrue(!line.contains("log_gamma"));
    assertEquals(stepRow(), MetricsJson.parseStepRow(line));
  }

  @Test
  void unknownSchemaIsRejectedNamingTheSupportedOne() {
    String line = MetricsJson.toJsonLine(evalRow()).replace("\"schema\":1,", "\"schema\":2,");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MetricsJson.parseEvalRow(line));
    assertEquals(
        "eval row: field 'schema': unsupported version 2 (this reader supports 1)", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            MetricsJson.parseStepRow(
                MetricsJson.toJsonLine(stepRow()).replace("\"schema\":1,", "\"schema\":0,")));
  }

  @Test
  void errorsNameTheField() {
    String eval = MetricsJson.toJsonLine(evalRow());
    assertEvalError(eval.replace("\"norm\":4.5,", ""), "missing field 'norm'");
    assertEvalError(eval.replace("\"step\":1000", "\"step\":1000.5"), "field 'step'");
    assertEvalError(eval.replace("\"n\":32561", "\"n\":\"many\""), "field 'n'");
    assertEvalError(eval.replace("[2.0,2.25]", "[2.0,\"x\"]"), "field 'layer_norms[1]'");
    assertEvalError(eval.replace("\"q05\":0.0,", ""), "missing field 'margin_quantiles.q05'");
    assertEvalError(eval.replace("\"q05\":", "\"q5\":0,\"q05\":"), "unknown quantile key 'q5'");
    assertEvalError(eval.replace("\"log_loss\":-3.25", "\"log_loss\":null"), "field 'log_loss'");
    assertEvalError(eval.replace("\"log_loss\":-3.25", "\"log_loss\":\"nan\""), "field 'log_loss'");
    assertEvalError(eval.replace("\"train\"", "\"valid\""), "split");
    assertEvalError(eval.replace("[3,10,", "[3,"), "nearSupport");
    assertEvalError(eval.replace("\"flags\":[]", "\"flags\":[1]"), "field 'flags[0]'");
    assertEvalError(eval.substring(0, eval.length() - 1), "malformed JSON");
    assertEvalError(eval + "{}", "malformed JSON");
    assertEvalError(
        eval.replace("{\"schema\":1,", "{\"schema\":1,\"schema\":1,"), "malformed JSON");
    assertEvalError("[1,2]", "expected a JSON object");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MetricsJson.parseStepRow(
                    MetricsJson.toJsonLine(stepRow()).replace("wall_ms", "w")));
    assertEquals("step row: missing field 'wall_ms'", e.getMessage());
  }

  @Test
  void unknownKeysAreIgnored() {
    String line =
        MetricsJson.toJsonLine(evalRow())
            .replace("{\"schema\":1,", "{\"schema\":1,\"extra\":{\"a\":[1,2]},");
    assertEquals(evalRow(), MetricsJson.parseEvalRow(line));
  }

  @Test
  void rowsCompareByValueAndCopyTheirArrays() {
    double[] norms = {2.0, 2.25};
    EvalRow a = evalRow();
    EvalRow b = evalRow();
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(
        a, MetricsJson.parseEvalRow(MetricsJson.toJsonLine(a).replace("[2.0,2.25]", "[2.0,2.5]")));
    a.layerNorms()[0] = 99;
    assertEquals(b, a, "accessor returns a copy");
    EvalRow c =
        new EvalRow(
            1,
            1,
            "test",
            1,
            0,
            0,
            0,
            1,
            norms,
            0,
            new double[2],
            0,
            0,
            0,
            0,
            0,
            MarginQuantiles.NOT_AVAILABLE,
            new long[7],
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            new ArrayList<>());
    norms[0] = 99;
    assertEquals(2.0, c.layerNorms()[0], "constructor copies");
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new EvalRow(
                1,
                1,
                "test",
                1,
                0,
                0,
                0,
                1,
                new double[2],
                0,
                new double[3],
                0,
                0,
                0,
                0,
                0,
                MarginQuantiles.NOT_AVAILABLE,
                new long[7],
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                List.of()));
    assertThrows(
        IllegalArgumentException.class, () -> new StepRow(1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  }

  private static void assertEvalError(String line, String fragment) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MetricsJson.parseEvalRow(line), line);
    assertTrue(e.getMessage().startsWith("eval row: "), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), e.getMessage() + " should mention " + fragment);
  }

  /** Random doubles: raw bit patterns (all finite magnitudes, subnormals, NaN, ±∞) and specials. */
  private static double d(SplittableRandom rnd) {
    return switch (rnd.nextInt(10)) {
      case 0 -> NAN;
      case 1 -> rnd.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
      case 2 -> rnd.nextBoolean() ? 0.0 : -0.0;
      case 3 -> Double.longBitsToDouble(rnd.nextLong(1L << 52)); // subnormal
      case 4 -> rnd.nextDouble();
      default -> Double.longBitsToDouble(rnd.nextLong());
    };
  }

  private static Set<String> keys(Iterator<String> it) {
    Set<String> s = new TreeSet<>();
    it.forEachRemaining(s::add);
    return s;
  }

  private static List<String> resourceLines(String name) throws IOException {
    try (InputStream in = MetricsJsonTest.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("test resource not found: " + name);
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return text.lines().filter(l -> !l.isBlank()).toList();
    }
  }
}
