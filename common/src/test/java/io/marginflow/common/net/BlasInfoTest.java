package io.marginflow.common.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link BlasInfo#describe()} names the OpenBLAS kernel family exactly when it is pinned. */
class BlasInfoTest {

  @Test
  void describeAddsThePinnedOpenBlasCoreTypeToTheNativeBlasOnly() {
    String impl = BlasInfo.implementation();
    String core = System.getenv("OPENBLAS_CORETYPE");
    String expected =
        impl.equals("JNIBLAS") && core != null && !core.isBlank()
            ? "JNIBLAS (OPENBLAS_CORETYPE=" + core.strip() + ")"
            : impl;
    assertEquals(expected, BlasInfo.describe());
  }
}
