package io.marginflow.common.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestTest {

  private static final String SHA =
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  static Manifest sample() {
    return new Manifest(
        "run-7",
        Map.of(
            "loss",
            "logistic",
            "gamma",
            0.5,
            "layers",
            List.of(Map.of("type", "dense", "width", 64), Map.of("type", "relu")),
            "seed",
            7L),
        List.of(
            new Manifest.DataFile(
                "hdfs://nn:8020/data/a9a.gz",
                197_565,
                Instant.parse("2025-11-27T10:55:00Z"),
                32_561,
                123,
                SHA),
            new Manifest.DataFile(
                "file:/data/a9a.t.gz",
                99_153,
                Instant.parse("2025-11-27T10:55:00.123456789Z"),
                16_281,
                123,
                SHA)),
        new Manifest.Versions("0.1.0-SNAPSHOT", "ec06a6b", "4.2.0", "3.5.0", "17.0.12"),
        "dev.ludovic.netlib.blas.VectorBLAS",
        new Manifest.Conventions("mean", 0.0, "iid", "sgd"),
        Instant.parse("2026-01-02T03:04:05.006Z"),
        "driver-1");
  }

  @Test
  void roundTripEquals() throws IOException {
    Manifest m = sample();
    assertEquals(m, Manifest.fromJson(m.toJson(), "manifest.json"));
  }

  @Test
  void writesTheScienceMdKeys() {
    String json = new String(sample().toJson(), StandardCharsets.UTF_8);
    assertTrue(json.startsWith("{\n  \"schema\" : 1,\n  \"run_id\" : \"run-7\","), json);
    for (String key :
        List.of(
            "config",
            "data",
            "uri",
            "bytes",
            "modified",
            "rows",
            "features",
            "sha256",
            "versions",
            "marginflow",
            "git_commit",
            "spark",
            "hadoop",
            "java",
            "blas",
            "conventions",
            "risk",
            "relu_derivative_at_zero",
            "sampler",
            "algorithm",
            "started_at",
            "host")) {
      assertTrue(json.contains("\"" + key + "\" : "), key + " missing in " + json);
    }
    assertTrue(json.contains("\"started_at\" : \"2026-01-02T03:04:05.006Z\""), json);
  }

  @Test
  void goldenVersion1StillParses() throws IOException {
    String name = "/formats/manifest-v1.json";
    Manifest m = Manifest.fromJson(CheckpointFormatTest.resource(name), name);
    assertEquals("a9a-linear-2026-01-02", m.runId());
    assertEquals(Map.of("loss", "exp", "gamma", 0.5, "batch_size", 100, "seed", 7), m.config());
    assertEquals(1, m.data().size());
    assertEquals(32561, m.data().get(0).rows());
    assertEquals(Instant.parse("2025-11-27T10:55:00Z"), m.data().get(0).modified());
    assertEquals("3.5.0", m.versions().hadoop());
    assertEquals(new Manifest.Conventions("mean", 0.0, "iid", "sgd"), m.conventions());
    assertEquals(Instant.parse("2026-01-02T03:04:05.123Z"), m.startedAt());
    assertEquals("driver-1", m.host());
  }

  @Test
  void readerRejectsUnknownSchemaAndBadFieldsNamingTheSource() {
    String good = new String(sample().toJson(), StandardCharsets.UTF_8);
    FormatException e =
        assertThrows(
            FormatException.class, () -> read(good.replace("\"schema\" : 1", "\"schema\" : 3")));
    assertEquals("run/manifest.json: unsupported manifest schema 3 (supported: 1)", e.getMessage());

    e = assertThrows(FormatException.class, () -> read(good.replace("\"schema\" : 1,", "")));
    assertTrue(e.getMessage().contains("no integer 'schema' field"), e.getMessage());

    e = assertThrows(FormatException.class, () -> read(good.replace("\"mean\"", "\"sum\"")));
    assertTrue(
        e.getMessage().contains("conventions.risk: expected 'mean', got 'sum'"), e.getMessage());

    e = assertThrows(FormatException.class, () -> read(good.replace(SHA, "abc")));
    assertTrue(e.getMessage().contains("data.sha256"), e.getMessage());

    e =
        assertThrows(
            FormatException.class,
            () -> read(good.replace("2026-01-02T03:04:05.006Z", "yesterday")));
    assertTrue(e.getMessage().startsWith("run/manifest.json: invalid manifest"), e.getMessage());
  }

  @Test
  void constructorValidates() {
    Manifest s = sample();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Manifest.Conventions("mean", 1.5, "iid", "sgd"));
    assertTrue(
        e.getMessage().startsWith("conventions.relu_derivative_at_zero: expected in [0, 1]"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Manifest(
                    "",
                    s.config(),
                    s.data(),
                    s.versions(),
                    s.blas(),
                    s.conventions(),
                    s.startedAt(),
                    s.host()));
    assertTrue(e.getMessage().startsWith("run_id:"), e.getMessage());
  }

  private static Manifest read(String json) throws FormatException {
    return Manifest.fromJson(json.getBytes(StandardCharsets.UTF_8), "run/manifest.json");
  }
}
