package io.marginflow.common.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The vector max pools' allocation guard (float and double), in JVMs of its own: with C1 only
 * ({@code -XX:TieredStopAtLevel=1}, where the Vector API boxes every vector) the guard switches the
 * kernel to the scalar loop after warm-up, with the scalar loop's bits throughout; with the default
 * JIT the compiled pool does not allocate and stays; the double pool's values-only pass, first
 * called after the step's pass has warmed up, is not measured before a warm-up of its own. The
 * counting rule itself is checked directly.
 */
class PoolAllocationGuardTest {

  @Test
  void threeMeasuredCallsThatAllocatedMeanFallBackAndNothingIsMeasuredDuringWarmUp() {
    PoolAllocationGuard guard = new PoolAllocationGuard(10, 0);
    int measured = 0;
    for (int i = 0; i < 4 * PoolAllocationGuard.EVERY; i++) {
      measured += guard.measureNext() ? 1 : 0;
    }
    assertEquals(4, measured, "calls 1024, 2048, 3072 and 4096 are measured");
    PoolAllocationGuard slow = new PoolAllocationGuard(0, 3_600_000_000_000L);
    for (int i = 0; i < 4 * PoolAllocationGuard.EVERY; i++) {
      assertFalse(slow.measureNext(), "an hour of warm-up has not passed");
    }
    assertFalse(guard.allocated(0));
    assertFalse(guard.allocated(64));
    assertFalse(guard.allocated(0));
    assertFalse(guard.allocated(16));
    assertTrue(guard.allocated(1), "the third call that allocated");
  }

  @Test
  void withC1OnlyTheKernelFallsBackToTheScalarLoopWithItsBits() throws Exception {
    assumeTrue(VectorFloatMaxPool2.createIfUseful() != null, "no vector shape for the pool");
    assumeTrue(PoolAllocationGuard.available(), "no allocation counter");
    // 4,000 calls of warm-up, then one measured call in 1,024: 3 strikes by call 7,168 (the probe
    // stops there; 60 s is only the limit on a very loaded machine)
    String out = probe(List.of("-XX:TieredStopAtLevel=1"), 4000, 0, 60_000);
    assertEquals("pool=scalar sameBits=true", out);
  }

  @Test
  void compiledByC2ThePoolDoesNotAllocateAndStays() throws Exception {
    assumeTrue(VectorFloatMaxPool2.createIfUseful() != null, "no vector shape for the pool");
    assumeTrue(PoolAllocationGuard.available(), "no allocation counter");
    // 768 calls per round (2 images × 32 channels × 12 rows) for 12 s, the guard measuring after
    // 200,000 calls and 8 s, when C2 has compiled the pool even on a loaded machine
    String out = probe(List.of(), 200_000, 8000, 12_000);
    assertEquals("pool=vector(" + vectorWindows() + " windows) sameBits=true", out);
  }

  @Test
  void withC1OnlyTheDoublePoolFallsBackToTheScalarLoopWithItsBits() throws Exception {
    assumeTrue(VectorDoubleMaxPool2.createIfUseful() != null, "no vector shape for the pool");
    assumeTrue(PoolAllocationGuard.available(), "no allocation counter");
    // 64 calls per round (2 images × 32 channels): 4,000 calls of warm-up, 3 strikes by ≈ 7,100
    String out = probe(List.of("-XX:TieredStopAtLevel=1"), 4000, 0, 60_000, "double");
    assertEquals("pool=scalar sameBits=true", out);
  }

  @Test
  void compiledByC2TheDoublePoolDoesNotAllocateAndStays() throws Exception {
    DoubleMaxPool2 vector = VectorDoubleMaxPool2.createIfUseful();
    assumeTrue(vector != null, "no vector shape for the pool");
    assumeTrue(PoolAllocationGuard.available(), "no allocation counter");
    // 64 calls per round for 12 s, measured after 40,000 calls and 8 s (C2 has compiled it by then)
    String out = probe(List.of(), 40_000, 8000, 12_000, "double");
    assertEquals("pool=" + vector.name() + " sameBits=true", out);
  }

  @Test
  void aValuesOnlyPassFirstCalledAfterTheStepsWarmUpGetsAWarmUpOfItsOwn() throws Exception {
    DoubleMaxPool2 vector = VectorDoubleMaxPool2.createIfUseful();
    assumeTrue(vector != null, "no vector shape for the pool");
    assumeTrue(PoolAllocationGuard.available(), "no allocation counter");
    // the benchmark JVM's fallback: the step's pass runs past the guard's warm-up (40,000 calls, 8
    // s), then the values-only pass is called for the first time (a run's first full evaluation)
    // and allocates until the JIT has compiled it; kept interpreted here, so that it allocates in
    // every call for the 7 s it runs. One guard for both passes measured it at once and fell back
    // after ≈ 3,100 calls (≈ 1.5 s); its own guard waits for its own 8 s.
    String out =
        probe(
            List.of(
                "-XX:CompileCommand=quiet",
                "-XX:CompileCommand=exclude,"
                    + VectorDoubleMaxPool2.class.getName()
                    + "::planeValues"),
            40_000,
            8000,
            16_000,
            "late-values");
    assertEquals("pool=" + vector.name() + " sameBits=true", out);
  }

  private static String vectorWindows() {
    String name = VectorFloatMaxPool2.createIfUseful().name();
    return name.substring(name.indexOf('(') + 1, name.indexOf(' '));
  }

  private static String probe(
      List<String> jvmFlags, long warmUp, long warmUpMillis, long runMillis, String... more)
      throws IOException, InterruptedException {
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(javaBin.toString());
    cmd.addAll(jvmFlags);
    cmd.add("--add-modules=jdk.incubator.vector");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(PoolGuardProbe.class.getName());
    cmd.add(Long.toString(warmUp));
    cmd.add(Long.toString(warmUpMillis));
    cmd.add(Long.toString(runMillis));
    cmd.addAll(List.of(more));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
    p.getErrorStream().transferTo(java.io.OutputStream.nullOutputStream());
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "probe did not finish");
    assertEquals(0, p.exitValue(), "probe failed: " + stdout);
    String[] lines = stdout.strip().split("\n");
    return lines[lines.length - 1].strip();
  }
}
