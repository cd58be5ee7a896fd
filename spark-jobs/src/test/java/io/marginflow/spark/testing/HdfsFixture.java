package io.marginflow.spark.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * One real HDFS ({@link MiniDFSCluster}, one datanode) per test JVM, started lazily on first use
 * (~7 s) and shut down by a JVM shutdown hook. Its storage lives under {@code
 * target/minidfs-<pid>}. Client configurations from {@link #conf()} carry the settings a
 * one-datanode cluster needs for append ({@code replace-datanode-on-failure.policy=NEVER},
 * replication 1). Tests share it: use a unique directory per test (e.g. the test's name).
 */
public final class HdfsFixture {

  private static MiniDFSCluster cluster;
  private static Configuration clientConf;

  private HdfsFixture() {}

  /** The shared cluster, started on first call. */
  public static synchronized MiniDFSCluster cluster() {
    if (cluster == null) {
      start();
    }
    return cluster;
  }

  /** The file system URI, e.g. {@code hdfs://localhost:40123}. */
  public static URI uri() {
    return cluster().getURI();
  }

  /** An absolute HDFS URI for {@code absolutePath} (which starts with '/'). */
  public static URI uri(String absolutePath) {
    if (!absolutePath.startsWith("/")) {
      throw new IllegalArgumentException("absolutePath must start with '/': " + absolutePath);
    }
    return URI.create(uri().toString() + absolutePath);
  }

  /** A fresh copy of the client configuration (fs.defaultFS = the cluster, append-ready). */
  public static synchronized Configuration conf() {
    cluster();
    return new Configuration(clientConf);
  }

  /** A new, uncached FileSystem client (close it): settings in {@link #conf()} are not lost. */
  public static FileSystem newFileSystem() {
    try {
      return FileSystem.newInstance(uri(), conf());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies a local file into HDFS at {@code absolutePath}; returns its HDFS URI. */
  public static URI copyFromLocal(java.nio.file.Path local, String absolutePath) {
    try (FileSystem fs = newFileSystem()) {
      fs.copyFromLocalFile(false, true, new Path(local.toUri()), new Path(absolutePath));
      return uri(absolutePath);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void start() {
    File base = Scratch.dir("minidfs");
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getPath());
    conf.setInt("dfs.replication", 1);
    conf.set("dfs.client.block.write.replace-datanode-on-failure.policy", "NEVER");
    // Fast heartbeats make lease and truncate block recovery take ~1 s instead of ~3 s.
    conf.setInt("dfs.heartbeat.interval", 1);
    conf.setInt("dfs.namenode.heartbeat.recheck-interval", 2000);
    try {
      cluster = new MiniDFSCluster.Builder(conf, base).numDataNodes(1).format(true).build();
      cluster.waitActive();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start MiniDFSCluster in " + base, e);
    }
    clientConf = new Configuration(cluster.getConfiguration(0));
    clientConf.set("fs.defaultFS", cluster.getURI().toString());
    clientConf.setInt("dfs.replication", 1);
    clientConf.set("dfs.client.block.write.replace-datanode-on-failure.policy", "NEVER");
    // Closing a file polls the namenode until its last block is complete, first after 400 ms by
    // default; the one local datanode reports within a few ms, so poll sooner (tests only).
    clientConf.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 20);
    MiniDFSCluster started = cluster;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    started.shutdown(true);
                  } finally {
                    Scratch.deleteRecursively(base.toPath());
                  }
                },
                "minidfs-shutdown"));
  }
}
