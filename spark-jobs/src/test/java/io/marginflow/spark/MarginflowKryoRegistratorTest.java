package io.marginflow.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.train.BatchGradient;
import io.marginflow.spark.testing.SparkFixture;
import java.nio.ByteBuffer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The registrator's serializers round-trip the row blocks under registrationRequired, without Spark
 * jobs.
 */
class MarginflowKryoRegistratorTest {

  private final SerializerInstance kryo = new KryoSerializer(SparkFixture.conf()).newInstance();

  @Test
  void denseBlockRoundTrips() {
    DenseBlock b =
        new DenseBlock(
            2,
            3,
            new double[] {1, 2, 3, -4, 5e-300, -0.0, 99},
            new double[] {1, -1},
            new long[] {10, 11});
    DenseBlock back = roundTrip(b);
    assertEquals(2, back.rows());
    assertEquals(3, back.features());
    assertArrayEquals(b.values(), back.values(), "values (whole array, including the unused tail)");
    assertArrayEquals(b.labels(), back.labels());
    assertArrayEquals(b.rowIndex(), back.rowIndex());
  }

  @Test
  void csrBlockRoundTrips() {
    CsrBlock b =
        new CsrBlock(
            2,
            5,
            new int[] {0, 2, 3},
            new int[] {0, 4, 2},
            new double[] {1, 2, 3},
            new double[] {-1, 1},
            new long[] {7, 8});
    CsrBlock back = roundTrip(b);
    assertEquals(b.rows(), back.rows());
    assertEquals(b.features(), back.features());
    assertArrayEquals(b.rowPtr(), back.rowPtr());
    assertArrayEquals(b.colIdx(), back.colIdx());
    assertArrayEquals(b.values(), back.values());
    assertArrayEquals(b.labels(), back.labels());
    assertArrayEquals(b.rowIndex(), back.rowIndex());
  }

  /**
   * A partial sum round-trips with every field; a NaN entry no task scanned is still found on the
   * receiving side, and a sum whose last merge left its combine pending is sent combined.
   */
  @Test
  void batchGradientRoundTripsAndANonFiniteEntryIsFoundAfterwards() {
    BatchGradient g =
        BatchGradient.restore(3, 7, 1.5, 2.5, -0.25, 0.125, false, new double[] {1, -2, 3});
    BatchGradient back = roundTrip(g);
    assertEquals(3, back.parameterCount());
    assertEquals(7, back.count());
    assertEquals(1.5, back.logFrame());
    assertEquals(2.5, back.logSumNegDerivative());
    assertEquals(-0.25, back.minMargin());
    assertEquals(0.125, back.weightedMarginSum());
    assertArrayEquals(new double[] {1, -2, 3}, back.gradient());
    assertEquals(false, back.nonFinite());
    BatchGradient bad =
        BatchGradient.restore(3, 7, 1.5, 2.5, -0.25, 0.125, false, new double[] {1, Double.NaN, 3});
    assertTrue(roundTrip(bad).nonFinite(), "scanned where it is used");
    BatchGradient pending =
        BatchGradient.restore(2, 1, 0.0, 0.0, 1.0, 0.5, false, new double[] {1, 2})
            .mergeDeferred(
                BatchGradient.restore(2, 1, 0.0, 0.0, 1.0, 0.5, false, new double[] {3, 4}));
    BatchGradient merged =
        BatchGradient.restore(2, 1, 0.0, 0.0, 1.0, 0.5, false, new double[] {1, 2})
            .mergeTaking(
                BatchGradient.restore(2, 1, 0.0, 0.0, 1.0, 0.5, false, new double[] {3, 4}));
    assertArrayEquals(merged.gradient(), roundTrip(pending).gradient());
  }

  @Test
  void arraysOfBlocksAndPrimitiveArraysAreRegistered() {
    DenseBlock[] blocks = {
      new DenseBlock(1, 1, new double[] {2}, new double[] {1}, new long[] {0})
    };
    assertEquals(1, roundTrip(blocks).length);
    assertArrayEquals(new long[] {1, 2}, roundTrip(new long[] {1, 2}));
    assertArrayEquals(new int[] {3}, roundTrip(new int[] {3}));
  }

  @Test
  void unregisteredClassesAreRefused() {
    // Proves registrationRequired is on in the fixture's configuration.
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> roundTrip(new Unregistered(1)));
    assertTrue(e.getMessage().contains("Class is not registered"), e.getMessage());
  }

  record Unregistered(int x) {}

  @SuppressWarnings("unchecked")
  private <T> T roundTrip(T value) {
    ClassTag<T> tag = (ClassTag<T>) ClassTag$.MODULE$.apply(value.getClass());
    ByteBuffer bytes = kryo.serialize(value, tag);
    return kryo.deserialize(bytes, tag);
  }
}
