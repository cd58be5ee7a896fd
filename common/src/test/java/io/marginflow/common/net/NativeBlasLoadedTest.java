package io.marginflow.common.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When a native BLAS is installed ({@code libblas.so.3}, e.g. Debian's libopenblas0) or the test
 * command says it expects one ({@code MARGINFLOW_EXPECT_NATIVE_BLAS=1}, set by {@code bin/test}),
 * netlib must really have loaded it: otherwise the "native BLAS" tests and benchmarks would
 * silently run the pure-Java BLAS. Skipped in the surefire execution that forces pure Java.
 */
class NativeBlasLoadedTest {

  private static final List<Path> LIBBLAS =
      List.of(
          Path.of("/usr/lib/x86_64-linux-gnu/libblas.so.3"),
          Path.of("/usr/lib/aarch64-linux-gnu/libblas.so.3"),
          Path.of("/usr/lib64/libblas.so.3"),
          Path.of("/usr/lib/libblas.so.3"));

  @Test
  void nativeBlasIsLoadedWhenInstalledOrExpected() {
    assumeTrue(
        !"false".equals(System.getProperty("dev.ludovic.netlib.blas.allowNative")),
        "this surefire execution forces the pure-Java BLAS");
    boolean expected = "1".equals(System.getenv("MARGINFLOW_EXPECT_NATIVE_BLAS"));
    Path installed = LIBBLAS.stream().filter(Files::exists).findFirst().orElse(null);
    assumeTrue(expected || installed != null, "no native BLAS installed and none expected");
    assertEquals(
        "JNIBLAS",
        BlasInfo.implementation(),
        "a native BLAS is "
            + (installed != null ? "installed at " + installed : "expected (bin/test)")
            + " but netlib loaded "
            + BlasInfo.implementation()
            + ": check that libblas.so.3 points at OpenBLAS and that the JVM may load it");
  }
}
