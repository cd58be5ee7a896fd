package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlock;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.Partition;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.storage.BlockResult;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.StorageLevel;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

/**
 * The cached partitions of a persisted, materialized block RDD, read by block id and nothing else.
 *
 * <p>A step job over the source RDD itself ships the source's whole lineage (ingest closures,
 * shuffle dependency, partitioner) in every task and makes the scheduler ask the block manager
 * master where the cached partitions are, on every job. This RDD has no dependencies: its tasks
 * carry a block id, and its preferred locations are looked up once, when it is built (and again
 * after {@link #refreshLocations}). A partition whose cached block is gone (executor lost, block
 * evicted without a disk copy) fails its task with a {@link MissingCachedBlockException}; the
 * caller re-materializes the source through its lineage and builds a new reader (see {@link
 * SparkBackend}).
 */
final class CachedBlockReader extends RDD<RowBlock> {
  private static final long serialVersionUID = 1L;

  /** Thrown in a task whose cached block is not found on any executor. */
  static final class MissingCachedBlockException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    MissingCachedBlockException(String message) {
      super(message);
    }
  }

  /** A partition of the reader: the index of the source partition. */
  private record ReaderPartition(int index) implements Partition {}

  private final int sourceId;
  private final int partitionCount;
  private transient List<List<String>> locations;

  /** A reader of {@code source}, which must be persisted and fully materialized. */
  CachedBlockReader(RDD<RowBlock> source) {
    super(
        source.context(),
        CollectionConverters.asScala(new ArrayList<org.apache.spark.Dependency<?>>()).toSeq(),
        ClassTag$.MODULE$.apply(RowBlock.class));
    if (source.getStorageLevel() == StorageLevel.NONE()) {
      throw new IllegalArgumentException("source RDD " + source.id() + " is not persisted");
    }
    this.sourceId = source.id();
    this.partitionCount = source.getNumPartitions();
    refreshLocations();
  }

  /** Asks the block manager master where each cached partition is (driver side). */
  void refreshLocations() {
    BlockId[] ids = new BlockId[partitionCount];
    for (int i = 0; i < partitionCount; i++) {
      ids[i] = new RDDBlockId(sourceId, i);
    }
    List<List<String>> found = new ArrayList<>();
    for (Seq<BlockManagerId> holders :
        CollectionConverters.asJava(SparkEnv.get().blockManager().master().getLocations(ids))) {
      List<String> hosts = new ArrayList<>();
      for (BlockManagerId b : CollectionConverters.asJava(holders)) {
        // The format of org.apache.spark.scheduler.ExecutorCacheTaskLocation: process-local.
        hosts.add("executor_" + b.host() + "_" + b.executorId());
      }
      found.add(hosts);
    }
    locations = found;
  }

  @Override
  public scala.collection.Iterator<RowBlock> compute(Partition split, TaskContext context) {
    RDDBlockId id = new RDDBlockId(sourceId, split.index());
    Option<BlockResult> cached =
        SparkEnv.get().blockManager().get(id, ClassTag$.MODULE$.apply(RowBlock.class));
    if (cached.isEmpty()) {
      throw new MissingCachedBlockException(
          "cached block "
              + id
              + " of the training data is gone (executor lost or block evicted);"
              + " the driver re-materializes it from the input and reruns the job");
    }
    @SuppressWarnings("unchecked")
    scala.collection.Iterator<RowBlock> data =
        (scala.collection.Iterator<RowBlock>) (scala.collection.Iterator<?>) cached.get().data();
    return data;
  }

  @Override
  public Partition[] getPartitions() {
    Partition[] parts = new Partition[partitionCount];
    for (int i = 0; i < partitionCount; i++) {
      parts[i] = new ReaderPartition(i);
    }
    return parts;
  }

  @Override
  public Seq<String> getPreferredLocations(Partition split) {
    List<String> hosts =
        locations == null || split.index() >= locations.size()
            ? List.of()
            : locations.get(split.index());
    return CollectionConverters.asScala(hosts).toList();
  }
}
