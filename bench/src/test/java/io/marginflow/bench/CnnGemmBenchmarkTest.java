package io.marginflow.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The CNN's DGEMM ceiling does exactly the flops the network step is credited with. */
class CnnGemmBenchmarkTest {

  @Test
  void baselineFlopsEqualTheNetworkStepFlops() {
    assertEquals(Workload.CNN.stepFlops(), CnnGemmBenchmark.stepFlops(), 0.0);
    assertEquals(Workload.CNN.forwardFlops(), CnnGemmBenchmark.forwardFlops(), 0.0);
    assertEquals(100, Workload.CNN.rows());
  }

  @Test
  void baselineRunsAndProducesFiniteResults() {
    CnnGemmBenchmark b = new CnnGemmBenchmark();
    b.setUp();
    assertTrue(Double.isFinite(b.forward()));
    assertTrue(Double.isFinite(b.step()));
  }
}
