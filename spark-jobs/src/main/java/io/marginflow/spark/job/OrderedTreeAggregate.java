package io.marginflow.spark.job;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import scala.Tuple2;

/**
 * A {@code treeAggregate} whose result does not depend on task timing. Spark's own {@code
 * RDD.treeAggregate} ends in a fold that merges partition results in the order they arrive, and its
 * intermediate {@code reduceByKey} merges in shuffle-fetch order; floating-point merges are not
 * associative, so from three partial results on the bits of θ would depend on scheduling. Here
 * every level merges contiguous ranges of partition indices in index order, and the driver folds
 * the last level in index order: the same data, partitioning and depth always give the same bits.
 *
 * <p>The level structure follows Spark's: scale = max(⌈P^{1/depth}⌉, 2), and levels are added while
 * the number of partial results exceeds scale + ⌈count/scale⌉.
 */
public final class OrderedTreeAggregate {

  private OrderedTreeAggregate() {}

  /**
   * Merges the elements of {@code perPartition} (one per partition, e.g. from mapPartitions) in
   * partition-index order through a tree of the given depth. Returns {@code empty} if there are no
   * elements. {@code merge} may modify and return its first argument.
   */
  public static <T> T aggregate(
      JavaRDD<T> perPartition, Function2<T, T, T> merge, int depth, T empty) {
    if (depth < 1) {
      throw new IllegalArgumentException("tree-depth: expected ≥ 1, got " + depth);
    }
    int count = perPartition.getNumPartitions();
    int scale = Math.max((int) Math.ceil(Math.pow(count, 1.0 / depth)), 2);
    JavaPairRDD<Integer, T> level =
        perPartition
            .mapPartitionsWithIndex(
                (i, it) -> {
                  List<Tuple2<Integer, T>> out = new ArrayList<>(1);
                  it.forEachRemaining(v -> out.add(new Tuple2<>(i, v)));
                  return out.iterator();
                },
                true)
            .mapToPair(t -> t);
    int levels = 1;
    while (levels < depth && count > scale + (count + scale - 1) / scale) {
      int groups = (count + scale - 1) / scale;
      int s = scale;
      level =
          level
              .mapToPair(t -> new Tuple2<>(t._1() / s, t))
              .partitionBy(new IndexPartitioner(groups))
              .mapPartitionsWithIndex(
                  (g, it) -> {
                    List<Tuple2<Integer, Tuple2<Integer, T>>> members = new ArrayList<>();
                    it.forEachRemaining(members::add);
                    members.sort(Comparator.comparingInt(m -> m._2()._1()));
                    T acc = null;
                    for (Tuple2<Integer, Tuple2<Integer, T>> m : members) {
                      acc = acc == null ? m._2()._2() : merge.call(acc, m._2()._2());
                    }
                    return acc == null
                        ? Collections.<Tuple2<Integer, T>>emptyIterator()
                        : Collections.singletonList(new Tuple2<>(g, acc)).iterator();
                  },
                  true)
              .mapToPair(t -> t);
      count = groups;
      levels++;
    }
    List<Tuple2<Integer, T>> last = new ArrayList<>(level.collect());
    last.sort(Comparator.comparingInt(Tuple2::_1));
    T acc = null;
    try {
      for (Tuple2<Integer, T> t : last) {
        acc = acc == null ? t._2() : merge.call(acc, t._2());
      }
    } catch (Exception e) {
      throw new IllegalStateException("merging partial results failed: " + e.getMessage(), e);
    }
    return acc == null ? empty : acc;
  }

  /** Sends key g to partition g. */
  static final class IndexPartitioner extends Partitioner implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int partitions;

    IndexPartitioner(int partitions) {
      this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    public int getPartition(Object key) {
      return (Integer) key;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof IndexPartitioner p && p.partitions == partitions;
    }

    @Override
    public int hashCode() {
      return partitions;
    }
  }
}
