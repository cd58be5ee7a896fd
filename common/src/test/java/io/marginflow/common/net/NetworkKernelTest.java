package io.marginflow.common.net;

import static io.marginflow.common.testing.NumericAssert.assertArrayClose;
import static io.marginflow.common.testing.NumericAssert.assertVectorClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Block kernels (GEMM, im2col, sparse) against the per-row reference at several block sizes. */
class NetworkKernelTest {

  /** Blocked GEMMs and the reference's plain loops sum in different orders: rounding only. */
  private static final double REL_TOL = 1e-11;

  private static final double ABS_TOL = 1e-12;

  /** θ entries ~ N(0, 0.4²) keep activations O(1) in these small nets. */
  private static final double THETA_SCALE = 0.4;

  /** σ'(0) strictly inside (0, 1) so a wrong e would show if an exact zero occurred. */
  private static final double E = 0.5;

  private static final int[] BLOCK_SIZES = {1, 2, 7, 64};

  static Stream<String> specs() {
    return NetSpecs.all();
  }

  @ParameterizedTest
  @MethodSource("specs")
  void denseBlocksMatchReference(String text) {
    NetworkSpec spec = NetworkSpec.parse(text);
    ReferenceNetwork ref = new ReferenceNetwork(spec, E);
    // default image chunk (the whole block for these small nets), and chunks that split blocks
    Network[] nets = {Network.of(spec, E), Network.of(spec, E, 1), Network.of(spec, E, 3)};
    for (Network net : nets) {
      assertEquals(ref.parameterCount(), net.parameterCount(), "d");
      double[] theta = NetTestData.gaussianTheta(net.parameterCount(), THETA_SCALE, 11);
      Workspace ws = net.newWorkspace();
      for (int rows : BLOCK_SIZES) {
        DenseBlock block = NetTestData.gaussianBlock(rows, net.inputSize(), 100 + rows);
        checkAgainstReference(
            net,
            ref,
            theta,
            ws,
            block,
            block,
            text + " chunk=" + net.imageChunk() + " rows=" + rows);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("specs")
  void csrBlocksMatchReferenceAndDense(String text) {
    Network net = Network.of(NetworkSpec.parse(text), E, 2);
    ReferenceNetwork ref = new ReferenceNetwork(net.spec(), E);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), THETA_SCALE, 12);
    Workspace ws = net.newWorkspace();
    for (int rows : BLOCK_SIZES) {
      CsrBlock csr = NetTestData.sparseBlock(rows, net.inputSize(), 0.3, 200 + rows);
      DenseBlock dense = csr.toDense();
      checkAgainstReference(net, ref, theta, ws, csr, dense, text + " csr rows=" + rows);
      // the same rows as a DenseBlock give the same numbers
      double[] outCsr = NetTestData.forward(net, csr, theta);
      double[] outDense = NetTestData.forward(net, dense, theta);
      assertArrayClose(outDense, outCsr, REL_TOL, ABS_TOL, text + " dense vs csr rows=" + rows);
    }
  }

  @Test
  void sparseKernelsCoverBothPaths() {
    // one row with fewer non-zeros than features uses the strided path, a big block the transposed
    // one
    CsrBlock small = NetTestData.sparseBlock(1, 12, 0.3, 1);
    CsrBlock large = NetTestData.sparseBlock(64, 12, 0.3, 2);
    assertTrue(!SparseKernels.useTransposed(small) && SparseKernels.useTransposed(large));
  }

  @Test
  void largerBlockGrowsWorkspaceAndStaysCorrect() {
    String text = "cnn:1x8x8-conv3k3-maxpool2-conv4k2p1-avgpool2-dense5-dense1";
    Network net = Network.of(NetworkSpec.parse(text), E, 4);
    ReferenceNetwork ref = new ReferenceNetwork(net.spec(), E);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), THETA_SCALE, 13);
    Workspace ws = net.newWorkspace();
    DenseBlock small = NetTestData.gaussianBlock(3, net.inputSize(), 1);
    checkAgainstReference(net, ref, theta, ws, small, small, "3 rows");
    assertEquals(3, ws.rowCapacity());
    DenseBlock big = NetTestData.gaussianBlock(150, net.inputSize(), 2);
    checkAgainstReference(net, ref, theta, ws, big, big, "150 rows after 3");
    assertEquals(150, ws.rowCapacity());
    double[] pre0 = ws.pre[0];
    double[] grad0 = ws.gradA;
    checkAgainstReference(net, ref, theta, ws, small, small, "3 rows after 150");
    assertEquals(150, ws.rowCapacity());
    assertSame(pre0, ws.pre[0], "buffers are reused, not reallocated");
    assertSame(grad0, ws.gradA, "buffers are reused, not reallocated");
  }

  /**
   * After warm-up, forward + backward allocate nothing. Checked on CSR rows into a single dense
   * layer, a path without BLAS calls (some Java BLAS implementations allocate packing buffers
   * inside dgemm), for both the strided (1 row) and the transposed (64 rows) sparse kernels.
   */
  @Test
  void noAllocationAfterWarmUp() {
    Network net = Network.parse("mlp:40-1/bias=first");
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 1.0, 5);
    Workspace ws = net.newWorkspace();
    CsrBlock[] blocks = {
      NetTestData.sparseBlock(1, 40, 0.2, 6), NetTestData.sparseBlock(64, 40, 0.2, 7)
    };
    double[] out = new double[64];
    double[] coef = new double[64];
    Arrays.fill(coef, 0.5);
    double[] grad = new double[net.parameterCount()];
    long allocated =
        NetTestData.allocatedAfterWarmUp(
            2000,
            i -> {
              CsrBlock b = blocks[i & 1];
              net.forward(b, theta, ws, out);
              net.backwardWeighted(b, theta, ws, coef, grad);
            });
    if (allocated < 0) {
      return; // allocation counters unavailable on this JVM
    }
    // the counter itself may allocate a few bytes; per-call allocation would be ≥ 2000 × 16 bytes
    assertTrue(allocated < 2000, "allocated " + allocated + " bytes in 2000 calls");
  }

  @Test
  void backwardRequiresTheMatchingForward() {
    Network net = Network.parse("mlp:4-3-1");
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 1.0, 1);
    Workspace ws = net.newWorkspace();
    DenseBlock a = NetTestData.gaussianBlock(2, 4, 1);
    DenseBlock b = NetTestData.gaussianBlock(2, 4, 2);
    double[] grad = new double[net.parameterCount()];
    double[] coef = {1, 1};
    assertThrows(IllegalStateException.class, () -> net.backwardWeighted(a, theta, ws, coef, grad));
    net.forward(a, theta, ws, new double[2]);
    assertThrows(IllegalStateException.class, () -> net.backwardWeighted(b, theta, ws, coef, grad));
    assertThrows(
        IllegalStateException.class, () -> net.backwardWeighted(a, theta.clone(), ws, coef, grad));
    net.backwardWeighted(a, theta, ws, coef, grad); // fine, and may be repeated
    net.backwardWeighted(a, theta, ws, coef, grad);
    assertThrows(
        IllegalArgumentException.class,
        () -> net.forward(NetTestData.gaussianBlock(2, 5, 1), theta, ws, new double[2]));
    assertThrows(
        IllegalArgumentException.class, () -> net.forward(a, new double[3], ws, new double[2]));
    assertThrows(
        IllegalArgumentException.class,
        () -> net.forward(a, theta, Network.parse("mlp:4-3-1").newWorkspace(), new double[2]));
  }

  @Test
  void emptyBlockIsANoOp() {
    Network net = Network.parse("cnn:1x6x6-conv2k3-dense1");
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 1.0, 1);
    Workspace ws = net.newWorkspace();
    DenseBlock empty = new DenseBlock(0, 36, new double[0], new double[0], new long[0]);
    net.forward(empty, theta, ws, new double[0]);
    double[] grad = new double[net.parameterCount()];
    net.backwardWeighted(empty, theta, ws, new double[0], grad);
    assertTrue(Arrays.stream(grad).allMatch(g -> g == 0.0));
  }

  @Test
  void layerNormsPerBlock() {
    Network net = Network.parse("mlp:3-2-1/bias=first");
    double[] theta = {1, 2, 2, 0, 0, 0, 4, 3, 1, 1};
    // W1 = 6 entries then b1 = 2 entries -> layer 1 holds 8 entries; W2 = 2 entries
    assertArrayClose(
        new double[] {Math.sqrt(1 + 4 + 4 + 16 + 9), Math.sqrt(2)},
        net.layerNorms(theta),
        0,
        1e-15,
        "layer norms");
  }

  /**
   * Runs forward + weighted backward on {@code block} and compares with the reference on {@code
   * dense}.
   */
  static void checkAgainstReference(
      Network net,
      ReferenceNetwork ref,
      double[] theta,
      Workspace ws,
      RowBlock block,
      DenseBlock dense,
      String what) {
    int rows = block.rows();
    double[] out = new double[rows];
    net.forward(block, theta, ws, out);
    SplittableRandom rnd = new SplittableRandom(rows);
    double[] coef = new double[rows];
    for (int r = 0; r < rows; r++) {
      coef[r] = rnd.nextGaussian();
    }
    double[] grad = new double[net.parameterCount()];
    Arrays.fill(grad, 1.0); // backward accumulates
    net.backwardWeighted(block, theta, ws, coef, grad);

    double[] outRef = new double[rows];
    double[] gradRef = new double[net.parameterCount()];
    Arrays.fill(gradRef, 1.0);
    for (int r = 0; r < rows; r++) {
      double[] x = NetTestData.row(dense, r);
      outRef[r] = ref.forward(x, theta);
      double[] g = ref.gradient(x, theta);
      for (int j = 0; j < g.length; j++) {
        gradRef[j] += coef[r] * g[j];
      }
    }
    assertArrayClose(outRef, out, REL_TOL, ABS_TOL, what + " forward");
    assertVectorClose(gradRef, grad, REL_TOL, ABS_TOL, what + " gradient");
  }
}
