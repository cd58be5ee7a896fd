package io.marginflow.common.net;

import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The one rule for picking Vector API kernels over their scalar twins: the module {@code
 * jdk.incubator.vector} must be in the boot layer, {@code -Dmarginflow.kernels.vector=false} must
 * not be set, and the vector implementation must load and be useful (more than one lane). The
 * choice is logged with its reason.
 */
final class VectorKernelChoice {

  private VectorKernelChoice() {}

  /**
   * The vector kernels from {@code vector} (called only when allowed; null means not useful), else
   * {@code scalar}'s; logged as {@code what: name}.
   */
  static <K> K choose(
      Supplier<K> vector, Supplier<K> scalar, Function<K, String> name, Logger log, String what) {
    String property = SparseAxpyKernels.VECTOR_PROPERTY;
    boolean wanted = !"false".equalsIgnoreCase(System.getProperty(property, "true"));
    boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    if (wanted && present) {
      try {
        // the vector class (and the incubator classes) are loaded only here
        K k = vector.get();
        if (k != null) {
          log.info("{}: {}", what, name.apply(k));
          return k;
        }
      } catch (LinkageError e) {
        log.info("Vector API not usable ({}), {} fall back to scalar", e.toString(), what);
      }
    }
    K k = scalar.get();
    log.info(
        "{}: {} (jdk.incubator.vector {}{})",
        what,
        name.apply(k),
        present ? "present" : "not in the boot layer",
        wanted ? "" : ", disabled by -D" + property + "=false");
    return k;
  }
}
