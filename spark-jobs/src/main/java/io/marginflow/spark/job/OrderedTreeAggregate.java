package io.marginflow.spark.job;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BinaryOperator;
import org.apache.spark.Partitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.rdd.RDD;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;

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
    int scale = scale(count, depth);
    // Spark's Java API wraps every function in a Scala lambda that its closure cleaner analyses
    // with ASM on each call (milliseconds per step); named Scala functions on the RDD API are
    // passed through untouched.
    RDD<Tuple2<Integer, T>> level =
        perPartition.rdd().mapPartitionsWithIndex(new TagWithIndex<>(), true, pairTag());
    int levels = 1;
    while (anotherLevel(levels, depth, count, scale)) {
      int groups = (count + scale - 1) / scale;
      RDD<Tuple2<Integer, Tuple2<Integer, T>>> keyed =
          level.map(new KeyByGroup<>(scale), groupTag());
      RDD<Tuple2<Integer, Tuple2<Integer, T>>> grouped =
          JavaPairRDD.fromRDD(keyed, intTag(), pairTag())
              .partitionBy(new IndexPartitioner(groups))
              .rdd();
      level = grouped.mapPartitionsWithIndex(new MergeGroup<>(merge), true, pairTag());
      count = groups;
      levels++;
    }
    Object parts =
        level
            .context()
            .runJob(level, new CollectPartition<T>(), ClassTag$.MODULE$.apply(Object[].class));
    List<Tuple2<Integer, T>> last = new ArrayList<>();
    for (Object part : (Object[]) parts) {
      for (Object value : (Object[]) part) {
        @SuppressWarnings("unchecked")
        Tuple2<Integer, T> t = (Tuple2<Integer, T>) value;
        last.add(t);
      }
    }
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

  /**
   * The same merges as {@link #aggregate} over {@code parts} (one value per partition, in partition
   * order), in this thread: the level structure and the order inside each group are those of the
   * distributed aggregation, so the result has the same bits. {@code merge} may modify and return
   * its first argument.
   */
  public static <T> T mergeInOrder(List<T> parts, BinaryOperator<T> merge, int depth, T empty) {
    return mergeInOrder(parts, merge, merge, depth, empty);
  }

  /**
   * As {@link #mergeInOrder(List, BinaryOperator, int, Object)}, with {@code lastMerge} for the
   * very last merge (the one that yields the result; e.g. a merge that leaves part of its work to
   * the result's user) and {@code merge} for every other.
   */
  public static <T> T mergeInOrder(
      List<T> parts, BinaryOperator<T> merge, BinaryOperator<T> lastMerge, int depth, T empty) {
    if (depth < 1) {
      throw new IllegalArgumentException("tree-depth: expected ≥ 1, got " + depth);
    }
    int count = parts.size();
    int scale = scale(count, depth);
    List<T> level = parts;
    int levels = 1;
    while (anotherLevel(levels, depth, count, scale)) {
      List<T> next = new ArrayList<>((count + scale - 1) / scale);
      for (int from = 0; from < count; from += scale) {
        next.add(fold(level.subList(from, Math.min(count, from + scale)), merge));
      }
      level = next;
      count = next.size();
      levels++;
    }
    return count == 0 ? empty : fold(level, merge, lastMerge);
  }

  private static <T> T fold(List<T> values, BinaryOperator<T> merge) {
    return fold(values, merge, merge);
  }

  private static <T> T fold(List<T> values, BinaryOperator<T> merge, BinaryOperator<T> last) {
    T acc = values.get(0);
    for (int i = 1; i < values.size(); i++) {
      acc = (i == values.size() - 1 ? last : merge).apply(acc, values.get(i));
    }
    return acc;
  }

  /** Partial results per group: max(⌈P^{1/depth}⌉, 2), as in Spark's treeAggregate. */
  static int scale(int partitions, int depth) {
    return Math.max((int) Math.ceil(Math.pow(partitions, 1.0 / depth)), 2);
  }

  /** True if {@code count} partial results after {@code levels} levels get one more level. */
  static boolean anotherLevel(int levels, int depth, int count, int scale) {
    return levels < depth && count > scale + (count + scale - 1) / scale;
  }

  @SuppressWarnings("unchecked")
  private static <T> ClassTag<Tuple2<Integer, T>> pairTag() {
    return (ClassTag<Tuple2<Integer, T>>) (ClassTag<?>) ClassTag$.MODULE$.apply(Tuple2.class);
  }

  @SuppressWarnings("unchecked")
  private static <T> ClassTag<Tuple2<Integer, Tuple2<Integer, T>>> groupTag() {
    return (ClassTag<Tuple2<Integer, Tuple2<Integer, T>>>)
        (ClassTag<?>) ClassTag$.MODULE$.apply(Tuple2.class);
  }

  @SuppressWarnings("unchecked")
  private static ClassTag<Integer> intTag() {
    return (ClassTag<Integer>) (ClassTag<?>) ClassTag$.MODULE$.apply(Integer.class);
  }

  /** Pairs each value with the index of its partition. */
  static final class TagWithIndex<T>
      extends AbstractFunction2<Object, Iterator<T>, Iterator<Tuple2<Integer, T>>>
      implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<Tuple2<Integer, T>> apply(Object index, Iterator<T> it) {
      List<Tuple2<Integer, T>> out = new ArrayList<>(1);
      while (it.hasNext()) {
        out.add(new Tuple2<>((Integer) index, it.next()));
      }
      return CollectionConverters.asScala(out.iterator());
    }
  }

  /** (i, v) ↦ (i / scale, (i, v)): the group of a partial result at the next level. */
  static final class KeyByGroup<T>
      extends AbstractFunction1<Tuple2<Integer, T>, Tuple2<Integer, Tuple2<Integer, T>>>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int scale;

    KeyByGroup(int scale) {
      this.scale = scale;
    }

    @Override
    public Tuple2<Integer, Tuple2<Integer, T>> apply(Tuple2<Integer, T> t) {
      return new Tuple2<>(t._1() / scale, t);
    }
  }

  /** Merges one group's partial results in index order; emits (group, merged). */
  static final class MergeGroup<T>
      extends AbstractFunction2<
          Object, Iterator<Tuple2<Integer, Tuple2<Integer, T>>>, Iterator<Tuple2<Integer, T>>>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Function2<T, T, T> merge;

    MergeGroup(Function2<T, T, T> merge) {
      this.merge = merge;
    }

    @Override
    public Iterator<Tuple2<Integer, T>> apply(
        Object group, Iterator<Tuple2<Integer, Tuple2<Integer, T>>> it) {
      List<Tuple2<Integer, Tuple2<Integer, T>>> members = new ArrayList<>();
      while (it.hasNext()) {
        members.add(it.next());
      }
      members.sort(Comparator.comparingInt(m -> m._2()._1()));
      T acc = null;
      try {
        for (Tuple2<Integer, Tuple2<Integer, T>> m : members) {
          acc = acc == null ? m._2()._2() : merge.call(acc, m._2()._2());
        }
      } catch (Exception e) {
        throw new IllegalStateException("merging partial results failed: " + e.getMessage(), e);
      }
      List<Tuple2<Integer, T>> out =
          acc == null ? List.of() : List.of(new Tuple2<>((Integer) group, acc));
      return CollectionConverters.asScala(out.iterator());
    }
  }

  /** A partition's elements as an array (the driver's collect; Kryo knows Object[]). */
  static final class CollectPartition<T>
      extends AbstractFunction2<TaskContext, Iterator<Tuple2<Integer, T>>, Object[]>
      implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Object[] apply(TaskContext context, Iterator<Tuple2<Integer, T>> it) {
      List<Object> out = new ArrayList<>();
      while (it.hasNext()) {
        out.add(it.next());
      }
      return out.toArray();
    }
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
