package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marginflow.spark.testing.SparkFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;

/** The ordered tree aggregation gives the same bits every time, whatever the task timing. */
class OrderedTreeAggregateIT {

  /** Values whose floating-point sum depends on the order of additions. */
  private static List<Double> values(int n) {
    SplittableRandom r = new SplittableRandom(5);
    List<Double> v = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      v.add(Math.scalb(r.nextDouble() - 0.5, r.nextInt(-40, 40)));
    }
    return v;
  }

  /** The tree of the class javadoc, evaluated sequentially: the specification. */
  private static double reference(List<Double> v, int depth) {
    int count = v.size();
    int scale = Math.max((int) Math.ceil(Math.pow(count, 1.0 / depth)), 2);
    List<Double> level = new ArrayList<>(v);
    int levels = 1;
    while (levels < depth && count > scale + (count + scale - 1) / scale) {
      List<Double> next = new ArrayList<>();
      for (int g = 0; g * scale < level.size(); g++) {
        double acc = level.get(g * scale);
        for (int i = g * scale + 1; i < Math.min(level.size(), (g + 1) * scale); i++) {
          acc += level.get(i);
        }
        next.add(acc);
      }
      level = next;
      count = next.size();
      levels++;
    }
    double acc = level.get(0);
    for (int i = 1; i < level.size(); i++) {
      acc += level.get(i);
    }
    return acc;
  }

  @Test
  void resultIsTheOrderedTreeEveryTime() {
    for (int partitions : new int[] {1, 2, 3, 7, 16}) {
      List<Double> v = values(partitions);
      JavaRDD<Double> rdd = SparkFixture.jsc().parallelize(v, partitions);
      for (int depth = 1; depth <= 3; depth++) {
        double expected = reference(v, depth);
        for (int run = 0; run < 3; run++) {
          double got = OrderedTreeAggregate.aggregate(rdd, Double::sum, depth, 0.0);
          assertEquals(
              Double.doubleToRawLongBits(expected),
              Double.doubleToRawLongBits(got),
              "P="
                  + partitions
                  + " depth="
                  + depth
                  + " run "
                  + run
                  + ": "
                  + expected
                  + " vs "
                  + got);
        }
      }
    }
  }

  /**
   * The driver-side replica used by the rows path merges in the same tree as the distributed one: a
   * merge that writes its parenthesization shows the tree itself, for 1–16 partitions and depths
   * 1–3 (levels appear from 5 partitions at depth 2).
   */
  @Test
  void mergeInOrderBuildsTheTreeOfTheDistributedAggregate() {
    for (int partitions = 1; partitions <= 16; partitions++) {
      List<String> parts = new ArrayList<>();
      for (int i = 0; i < partitions; i++) {
        parts.add("p" + i);
      }
      JavaRDD<String> rdd = SparkFixture.jsc().parallelize(parts, partitions);
      for (int depth = 1; depth <= 3; depth++) {
        String distributed =
            OrderedTreeAggregate.aggregate(rdd, (a, b) -> "(" + a + "+" + b + ")", depth, "");
        String local =
            OrderedTreeAggregate.mergeInOrder(parts, (a, b) -> "(" + a + "+" + b + ")", depth, "");
        assertEquals(distributed, local, "P=" + partitions + " depth=" + depth);
      }
    }
    assertEquals("", OrderedTreeAggregate.mergeInOrder(List.of(), (a, b) -> a + b, 2, ""));
    // A two-level tree really is one: 9 partitions at depth 2 merge in groups of 3.
    List<String> nine = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i");
    assertEquals(
        "((((a+b)+c)+((d+e)+f))+((g+h)+i))",
        OrderedTreeAggregate.mergeInOrder(nine, (a, b) -> "(" + a + "+" + b + ")", 2, ""));
    // The last merge — the one that yields the result — alone goes to lastMerge (the rows path
    // leaves its combine to the update), whatever the tree.
    for (int partitions = 1; partitions <= 16; partitions++) {
      List<String> parts = new ArrayList<>();
      for (int i = 0; i < partitions; i++) {
        parts.add("p" + i);
      }
      for (int depth = 1; depth <= 3; depth++) {
        String plain =
            OrderedTreeAggregate.mergeInOrder(parts, (a, b) -> "(" + a + "+" + b + ")", depth, "");
        String marked =
            OrderedTreeAggregate.mergeInOrder(
                parts,
                (a, b) -> "(" + a + "+" + b + ")",
                (a, b) -> "[" + a + "+" + b + "]",
                depth,
                "");
        String expected =
            partitions == 1 ? plain : "[" + plain.substring(1, plain.length() - 1) + "]";
        assertEquals(expected, marked, "P=" + partitions + " depth=" + depth);
      }
    }
  }
}
