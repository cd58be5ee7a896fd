package io.marginflow.common.stats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The one owner of the JSONL metric row format ({@code metrics/steps.jsonl}, {@code
 * metrics/eval.jsonl}; science.md §7).
 *
 * <p>Layout, schema 1: one JSON object per line (no trailing newline from {@code toJsonLine}), keys
 * in snake_case, {@code schema} then {@code step} first, then the fields in the order of the record
 * components ({@link StepRow}, {@link EvalRow}). Doubles are written with {@link Double#toString}
 * digits (Jackson's default writer), which parse back to the identical double; non-finite doubles
 * are written as the JSON strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} and read
 * back as such (JSON has no literal for them; NaN also means "not available"). Integers ({@code
 * schema}, {@code step}, {@code n}, near-support counts) are JSON integers. {@code
 * margin_quantiles} is an object with keys {@code q0 q01 q05 q25 q50 q75 q95 q100}; {@code
 * layer_norms}, {@code layer_balance}, {@code near_support}, {@code flags} are arrays.
 *
 * <p>Reading: one object per line (duplicate keys and trailing tokens rejected); {@code schema}
 * must equal {@link #SCHEMA} (other versions are rejected naming the supported one); every key
 * above is required except {@code log_gamma} (defaults to log γ), the step rows' {@code
 * log_effective_step} and the evaluation rows' {@code tangential_residual_rel} (NaN when absent);
 * {@code gamma} is {@code null} where γ left the double range (then it reads back as e^{log γ},
 * i.e. ∞ or 0); unknown keys are ignored, so fields may be added without a schema change. Errors
 * are {@link IllegalArgumentException}s naming the field.
 */
public final class MetricsJson {

  /** The current (and only supported) row format version. */
  public static final int SCHEMA = 1;

  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final ObjectMapper MAPPER =
      new ObjectMapper(FACTORY).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final String[] QUANTILE_KEYS = {
    "q0", "q01", "q05", "q25", "q50", "q75", "q95", "q100"
  };

  /** log of the largest double: a γ above it overflows to ∞. */
  private static final double LOG_MAX_DOUBLE = Math.log(Double.MAX_VALUE);

  /** log of the smallest positive double: a γ below it underflows to 0. */
  private static final double LOG_MIN_DOUBLE = Math.log(Double.MIN_VALUE);

  private MetricsJson() {}

  /** The step row as one JSON line (no newline). */
  public static String toJsonLine(StepRow r) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("schema", r.schema());
      g.writeNumberField("step", r.step());
      if (gammaInRange(r.gamma(), r.logGamma())) {
        writeDouble(g, "gamma", r.gamma());
      } else {
        g.writeNullField("gamma"); // out of double range: log_gamma holds it
      }
      writeDouble(g, "batch_log_loss", r.batchLogLoss());
      writeDouble(g, "batch_min_margin", r.batchMinMargin());
      writeDouble(g, "norm", r.norm());
      writeDouble(g, "radial_loss_term", r.radialLossTerm());
      writeDouble(g, "radial_step_term", r.radialStepTerm());
      writeDouble(g, "step_norm", r.stepNorm());
      writeDouble(g, "tangential_step", r.tangentialStep());
      writeDouble(g, "wall_ms", r.wallMs());
      writeDouble(g, "log_gamma", r.logGamma());
      writeDouble(g, "log_effective_step", r.logEffectiveStep());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** The evaluation row as one JSON line (no newline). */
  public static String toJsonLine(EvalRow r) {
    StringWriter out = new StringWriter(1024);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("schema", r.schema());
      g.writeNumberField("step", r.step());
      g.writeStringField("split", r.split());
      g.writeNumberField("n", r.n());
      writeDouble(g, "log_loss", r.logLoss());
      writeDouble(g, "error_rate", r.errorRate());
      writeDouble(g, "norm", r.norm());
      writeDouble(g, "norm_pow_L", r.normPowL());
      writeDoubleArray(g, "layer_norms", r.layerNorms());
      writeDouble(g, "layer_norm_product", r.layerNormProduct());
      writeDoubleArray(g, "layer_balance", r.layerBalance());
      writeDouble(g, "min_margin", r.minMargin());
      writeDouble(g, "max_margin", r.maxMargin());
      writeDouble(g, "normalized_margin", r.normalizedMargin());
      writeDouble(g, "layer_normalized_margin", r.layerNormalizedMargin());
      writeDouble(g, "smoothed_margin", r.smoothedMargin());
      g.writeObjectFieldStart("margin_quantiles");
      double[] q = r.marginQuantiles().toArray();
      for (int i = 0; i < QUANTILE_KEYS.length; i++) {
        writeDouble(g, QUANTILE_KEYS[i], q[i]);
      }
      g.writeEndObject();
      g.writeArrayFieldStart("near_support");
      for (long c : r.nearSupport()) {
        g.writeNumber(c);
      }
      g.writeEndArray();
      writeDouble(g, "effective_support", r.effectiveSupport());
      writeDouble(g, "log_effective_step", r.logEffectiveStep());
      writeDouble(g, "ode_time", r.odeTime());
      writeDouble(g, "euler_residual", r.eulerResidual());
      writeDouble(g, "tangential_residual", r.tangentialResidual());
      writeDouble(g, "tangential_residual_rel", r.tangentialResidualRel());
      writeDouble(g, "alignment", r.alignment());
      writeDouble(g, "direction_change", r.directionChange());
      writeDouble(g, "margin_change_sup", r.marginChangeSup());
      g.writeArrayFieldStart("flags");
      for (String f : r.flags()) {
        g.writeString(f);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** Parses one line of {@code steps.jsonl}. */
  public static StepRow parseStepRow(String line) {
    Row o = Row.of(line, "step row");
    boolean gammaNull = o.get("gamma").isNull();
    if (gammaNull && !o.has("log_gamma")) {
      throw new IllegalArgumentException(
          "step row: field 'gamma' is null (out of range) but 'log_gamma' is missing");
    }
    double gamma = gammaNull ? Math.exp(o.dbl("log_gamma")) : o.dbl("gamma");
    return construct(
        "step row",
        () ->
            new StepRow(
                o.schema(),
                o.lng("step"),
                gamma,
                o.dbl("batch_log_loss"),
                o.dbl("batch_min_margin"),
                o.dbl("norm"),
                o.dbl("radial_loss_term"),
                o.dbl("radial_step_term"),
                o.dbl("step_norm"),
                o.dbl("tangential_step"),
                o.dbl("wall_ms"),
                o.has("log_gamma") ? o.dbl("log_gamma") : Math.log(gamma),
                o.has("log_effective_step") ? o.dbl("log_effective_step") : Double.NaN));
  }

  /** Parses one line of {@code eval.jsonl}. */
  public static EvalRow parseEvalRow(String line) {
    Row o = Row.of(line, "eval row");
    return construct(
        "eval row",
        () ->
            new EvalRow(
                o.schema(),
                o.lng("step"),
                o.str("split"),
                o.lng("n"),
                o.dbl("log_loss"),
                o.dbl("error_rate"),
                o.dbl("norm"),
                o.dbl("norm_pow_L"),
                o.dblArray("layer_norms"),
                o.dbl("layer_norm_product"),
                o.dblArray("layer_balance"),
                o.dbl("min_margin"),
                o.dbl("max_margin"),
                o.dbl("normalized_margin"),
                o.dbl("layer_normalized_margin"),
                o.dbl("smoothed_margin"),
                o.quantiles("margin_quantiles"),
                o.lngArray("near_support"),
                o.dbl("effective_support"),
                o.dbl("log_effective_step"),
                o.dbl("ode_time"),
                o.dbl("euler_residual"),
                o.dbl("tangential_residual"),
                o.has("tangential_residual_rel") ? o.dbl("tangential_residual_rel") : Double.NaN,
                o.dbl("alignment"),
                o.dbl("direction_change"),
                o.dbl("margin_change_sup"),
                o.strArray("flags")));
  }

  /**
   * False when γ left the double range while log γ did not (γ = α/𝓛 of the loss-based rule once 𝓛
   * &lt; 1e−308, or its underflow to 0): such a γ is written as {@code null}.
   */
  static boolean gammaInRange(double gamma, double logGamma) {
    boolean overflow = gamma == Double.POSITIVE_INFINITY && logGamma > LOG_MAX_DOUBLE;
    boolean underflow = gamma == 0 && logGamma < LOG_MIN_DOUBLE;
    return !(Double.isFinite(logGamma) && (overflow || underflow));
  }

  private static <T> T construct(String what, java.util.function.Supplier<T> ctor) {
    try {
      return ctor.get();
    } catch (IllegalArgumentException e) {
      String msg = e.getMessage();
      throw new IllegalArgumentException(
          msg != null && msg.startsWith(what) ? msg : what + ": " + msg, e);
    }
  }

  private static void writeDouble(JsonGenerator g, String key, double v) throws IOException {
    g.writeFieldName(key);
    writeDoubleValue(g, v);
  }

  private static void writeDoubleValue(JsonGenerator g, double v) throws IOException {
    if (Double.isFinite(v)) {
      g.writeNumber(v);
    } else {
      g.writeString(Double.toString(v)); // "NaN", "Infinity", "-Infinity"
    }
  }

  private static void writeDoubleArray(JsonGenerator g, String key, double[] a) throws IOException {
    g.writeArrayFieldStart(key);
    for (double v : a) {
      writeDoubleValue(g, v);
    }
    g.writeEndArray();
  }

  /** A parsed row with typed, field-naming accessors. */
  private record Row(JsonNode root, String what) {

    static Row of(String line, String what) {
      if (line == null) {
        throw new IllegalArgumentException(what + ": null line");
      }
      JsonNode root;
      try {
        root = MAPPER.readTree(line);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(what + ": malformed JSON: " + e.getOriginalMessage(), e);
      }
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException(what + ": expected a JSON object, got " + line);
      }
      return new Row(root, what);
    }

    boolean has(String key) {
      return root.has(key);
    }

    int schema() {
      long s = lng("schema");
      if (s != SCHEMA) {
        throw new IllegalArgumentException(
            what
                + ": field 'schema': unsupported version "
                + s
                + " (this reader supports "
                + SCHEMA
                + ")");
      }
      return (int) s;
    }

    JsonNode get(String key) {
      JsonNode v = root.get(key);
      if (v == null) {
        throw new IllegalArgumentException(what + ": missing field '" + key + "'");
      }
      return v;
    }

    long lng(String key) {
      return toLong(get(key), key);
    }

    double dbl(String key) {
      return toDouble(get(key), key);
    }

    String str(String key) {
      JsonNode v = get(key);
      if (!v.isTextual()) {
        throw bad(key, "a string", v);
      }
      return v.textValue();
    }

    double[] dblArray(String key) {
      JsonNode v = array(key);
      double[] out = new double[v.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = toDouble(v.get(i), key + "[" + i + "]");
      }
      return out;
    }

    long[] lngArray(String key) {
      JsonNode v = array(key);
      long[] out = new long[v.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = toLong(v.get(i), key + "[" + i + "]");
      }
      return out;
    }

    List<String> strArray(String key) {
      JsonNode v = array(key);
      List<String> out = new ArrayList<>(v.size());
      for (int i = 0; i < v.size(); i++) {
        JsonNode e = v.get(i);
        if (!e.isTextual()) {
          throw bad(key + "[" + i + "]", "a string", e);
        }
        out.add(e.textValue());
      }
      return out;
    }

    MarginQuantiles quantiles(String key) {
      JsonNode v = get(key);
      if (!v.isObject()) {
        throw bad(key, "an object", v);
      }
      double[] q = new double[QUANTILE_KEYS.length];
      for (int i = 0; i < q.length; i++) {
        JsonNode e = v.get(QUANTILE_KEYS[i]);
        String name = key + "." + QUANTILE_KEYS[i];
        if (e == null) {
          throw new IllegalArgumentException(what + ": missing field '" + name + "'");
        }
        q[i] = toDouble(e, name);
      }
      for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!List.of(QUANTILE_KEYS).contains(k)) {
          throw new IllegalArgumentException(
              what + ": field '" + key + "': unknown quantile key '" + k + "'");
        }
      }
      return MarginQuantiles.of(q);
    }

    private JsonNode array(String key) {
      JsonNode v = get(key);
      if (!v.isArray()) {
        throw bad(key, "an array", v);
      }
      return v;
    }

    private long toLong(JsonNode v, String key) {
      if (!v.isIntegralNumber() || !v.canConvertToLong()) {
        throw bad(key, "an integer", v);
      }
      return v.longValue();
    }

    private double toDouble(JsonNode v, String key) {
      if (v.isNumber()) {
        return v.doubleValue();
      }
      if (v.isTextual()) {
        switch (v.textValue()) {
          case "NaN":
            return Double.NaN;
          case "Infinity":
            return Double.POSITIVE_INFINITY;
          case "-Infinity":
            return Double.NEGATIVE_INFINITY;
          default:
            break;
        }
      }
      throw bad(key, "a number or one of \"NaN\", \"Infinity\", \"-Infinity\"", v);
    }

    private IllegalArgumentException bad(String key, String expected, JsonNode got) {
      return new IllegalArgumentException(
          what + ": field '" + key + "': expected " + expected + ", got " + got);
    }
  }
}
