package io.marginflow.common.net;

import dev.ludovic.netlib.blas.BLAS;

/** The one BLAS instance used by the kernels (resolved once). */
final class Blas {

  static final BLAS INSTANCE = BLAS.getInstance();

  private Blas() {}
}
