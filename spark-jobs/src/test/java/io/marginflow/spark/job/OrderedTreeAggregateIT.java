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
}
