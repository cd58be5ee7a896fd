package io.marginflow.bench.suite;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.mllib.optimization.GradientDescent;
import org.apache.spark.mllib.optimization.LogisticGradient;
import org.apache.spark.mllib.optimization.SimpleUpdater;
import org.apache.spark.mllib.util.MLUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The Spark MLlib 4.2.0 baseline: LIBSVM data cached as MLlib expects it (labels mapped ±1 → 0/1),
 * {@code GradientDescent.runMiniBatchSGD} with {@code LogisticGradient} and {@code SimpleUpdater}
 * (step γ/√t), and {@code MultilayerPerceptronClassifier} with {@code solver=gd}. Per-iteration
 * times are differences of two timed runs, (t(N) − t(1)) / (N − 1), so the fixed work of a call
 * (MLlib counts the data, the MLP stacks and caches its blocks) is not charged to the iterations.
 */
public final class Mllib {

  private Mllib() {}

  /** (label ∈ {0,1}, features) pairs of a LIBSVM file, cached in {@code partitions} partitions. */
  public static JavaRDD<Tuple2<Object, Vector>> labeledPoints(
      SparkSession spark, String path, int features, int partitions) {
    JavaRDD<Tuple2<Object, Vector>> rdd =
        MLUtils.loadLibSVMFile(spark.sparkContext(), path, features, partitions)
            .toJavaRDD()
            .map(lp -> new Tuple2<Object, Vector>(lp.label() > 0 ? 1.0 : 0.0, lp.features()))
            .coalesce(partitions)
            .persist(StorageLevel.MEMORY_AND_DISK());
    rdd.count();
    return rdd;
  }

  /** Wall time in ms of one {@code runMiniBatchSGD} call of {@code iterations} iterations. */
  public static double sgdMs(
      JavaRDD<Tuple2<Object, Vector>> data, int features, int iterations, double fraction) {
    long t0 = System.nanoTime();
    Tuple2<Vector, double[]> out =
        GradientDescent.runMiniBatchSGD(
            data.rdd(),
            new LogisticGradient(),
            new SimpleUpdater(),
            1.0,
            iterations,
            0.0,
            fraction,
            Vectors.zeros(features),
            0.0);
    double ms = (System.nanoTime() - t0) / 1e6;
    if (out._2().length == 0) {
      throw new IllegalStateException("MLlib SGD ran no iteration");
    }
    return ms;
  }

  /** A cached DataFrame (label ∈ {0,1}, features) of a LIBSVM file. */
  public static Dataset<Row> frame(SparkSession spark, String path, int features, int partitions) {
    Dataset<Row> df =
        spark
            .read()
            .format("libsvm")
            .option("numFeatures", features)
            .load(path)
            .withColumn("label", functions.when(functions.col("label").gt(0), 1.0).otherwise(0.0))
            .repartition(partitions)
            .persist(StorageLevel.MEMORY_AND_DISK());
    df.count();
    return df;
  }

  /** Wall time in ms of one MLP fit ({@code solver=gd}, blockSize 128) of {@code iterations}. */
  public static double mlpMs(Dataset<Row> df, int[] layers, int iterations) {
    MultilayerPerceptronClassifier mlp =
        new MultilayerPerceptronClassifier()
            .setLayers(layers)
            .setSolver("gd")
            .setBlockSize(128)
            .setMaxIter(iterations)
            .setTol(0.0)
            .setStepSize(0.03)
            .setSeed(42L);
    long t0 = System.nanoTime();
    mlp.fit(df);
    return (System.nanoTime() - t0) / 1e6;
  }
}
