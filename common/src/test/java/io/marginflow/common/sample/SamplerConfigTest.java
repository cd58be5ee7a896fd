package io.marginflow.common.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class SamplerConfigTest {

  @Test
  void parsesKindsAndNormalizesFull() {
    assertEquals(new SamplerConfig(SamplerKind.IID, 32), SamplerConfig.parse("iid", 32));
    assertEquals(
        new SamplerConfig(SamplerKind.RESHUFFLE, 1), SamplerConfig.parse(" Reshuffle ", 1));
    SamplerConfig full = SamplerConfig.parse("full", 12345);
    assertEquals(0, full.batchSize(), "full ignores the batch size");
    assertEquals(SamplerConfig.full(), full);
    assertEquals(SamplerConfig.full(), SamplerConfig.parse("FULL", -3));
    for (SamplerKind k : SamplerKind.values()) {
      assertEquals(k, SamplerKind.parse(k.token()));
      assertEquals(k.token(), k.toString());
    }
  }

  @Test
  void refusesBadValuesNamingTheField() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SamplerConfig.parse("uniform", 8));
    assertTrue(
        e.getMessage().contains("sampler")
            && e.getMessage().contains("uniform")
            && e.getMessage().contains("iid|reshuffle|full"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SamplerConfig.parse("iid", 0));
    assertTrue(
        e.getMessage().contains("batchSize") && e.getMessage().contains("0"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SamplerConfig.parse("reshuffle", -1));
    assertThrows(NullPointerException.class, () -> new SamplerConfig(null, 4));
    assertThrows(IllegalArgumentException.class, () -> SamplerConfig.parse(null, 4));
  }

  @Test
  void createChecksBatchSizeAgainstDatasetSize() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MinibatchSampler.create(SamplerConfig.parse("iid", 200), 100, 1));
    assertTrue(e.getMessage().contains("200") && e.getMessage().contains("100"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> MinibatchSampler.create(SamplerConfig.parse("reshuffle", 101), 100, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> MinibatchSampler.create(SamplerConfig.parse("iid", 1), 0, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> MinibatchSampler.create(SamplerConfig.full(), 1L << 31, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> MinibatchSampler.create(SamplerConfig.parse("reshuffle", 1), (1L << 62) + 1, 1));
    assertEquals(100, MinibatchSampler.create(SamplerConfig.full(), 100, 1).batchSize());
  }

  @Test
  void configAndSamplersSurviveJavaSerialization() throws Exception {
    SamplerConfig config = SamplerConfig.parse("reshuffle", 7);
    assertEquals(config, roundTrip(config));
    for (String kind : new String[] {"iid", "reshuffle", "full"}) {
      MinibatchSampler s = MinibatchSampler.create(SamplerConfig.parse(kind, 7), 50, 99);
      MinibatchSampler copy = roundTrip(s);
      assertEquals(s, copy);
      assertEquals(java.util.Arrays.toString(s.batch(5)), java.util.Arrays.toString(copy.batch(5)));
    }
  }

  @SuppressWarnings("unchecked")
  static <T> T roundTrip(T value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }
}
