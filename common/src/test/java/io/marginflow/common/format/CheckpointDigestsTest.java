package io.marginflow.common.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointDigestsTest {

  /** Written by GNU coreutils {@code sha256sum theta.bin meta.json} over "abc" and "{}". */
  private static final String GOLDEN = "/formats/checkpoint-sha256sums-v1.txt";

  @Test
  void goldenFileFromSha256sumParsesAndIsReproducedByteForByte() throws IOException {
    byte[] golden;
    try (InputStream in = CheckpointDigestsTest.class.getResourceAsStream(GOLDEN)) {
      golden = in.readAllBytes();
    }
    Map<String, String> parsed = CheckpointDigests.fromBytes(golden, GOLDEN);
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("theta.bin", CheckpointDigests.sha256("abc".getBytes(StandardCharsets.US_ASCII)));
    expected.put("meta.json", CheckpointDigests.sha256("{}".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(expected, parsed);
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        parsed.get("theta.bin"),
        "SHA-256 of 'abc' (FIPS 180-2 test vector)");
    assertArrayEquals(golden, CheckpointDigests.toBytes(expected), "writer drifted from v1");
  }

  @Test
  void truncatedMalformedAndDuplicateFilesAreRejectedNamingSourceAndLine() {
    byte[] ok =
        CheckpointDigests.toBytes(
            Map.of("theta.bin", CheckpointDigests.sha256(new byte[] {1, 2, 3})));
    FormatException cut =
        assertThrows(
            FormatException.class,
            () -> CheckpointDigests.fromBytes(Arrays.copyOf(ok, ok.length - 1), "S"));
    assertTrue(cut.getMessage().startsWith("S: expected lines ending"), cut.getMessage());
    byte[] twice = (new String(ok, StandardCharsets.US_ASCII).repeat(2)).getBytes();
    FormatException dup =
        assertThrows(FormatException.class, () -> CheckpointDigests.fromBytes(twice, "S"));
    assertTrue(dup.getMessage().startsWith("S:2: duplicate name theta.bin"), dup.getMessage());
    byte[] bad = "xyz  theta.bin\n".getBytes(StandardCharsets.US_ASCII);
    FormatException line =
        assertThrows(FormatException.class, () -> CheckpointDigests.fromBytes(bad, "S"));
    assertTrue(line.getMessage().startsWith("S:1: expected"), line.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CheckpointDigests.toBytes(Map.of()));
    assertThrows(
        IllegalArgumentException.class, () -> CheckpointDigests.toBytes(Map.of("a/b", "00")));
  }
}
