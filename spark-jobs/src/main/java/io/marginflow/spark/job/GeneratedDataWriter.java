package io.marginflow.spark.job;

import io.marginflow.common.io.TeacherStudentConfig;
import io.marginflow.common.io.TeacherStudentGenerator;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * Writes teacher–student data ({@link TeacherStudentGenerator}) partition-parallel: file k of K
 * holds rows [⌈k·n/K⌉, ⌈(k+1)·n/K⌉), each row computed on the executor as a pure function of (seed,
 * i) and streamed to the file, so the concatenated part files (in name order) are the same rows for
 * any K. LIBSVM lines are {@code ±1 1:x1 2:x2 ...} with Java's shortest exact decimal of each value
 * (they parse back to the same doubles); Parquet has a {@code label} column and one double column
 * per feature ({@code x1 … xp}). An existing output fails the job (nothing is overwritten).
 */
public final class GeneratedDataWriter {

  private GeneratedDataWriter() {}

  /** Writes {@code config.rows()} rows to {@code out} as {@code files} part files. */
  public static void write(
      SparkSession spark, TeacherStudentConfig config, int files, String out, String format) {
    if (files < 1) {
      throw new IllegalArgumentException("files must be ≥ 1, got " + files);
    }
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<long[]> ranges = new ArrayList<>();
    for (int k = 0; k < files; k++) {
      ranges.add(
          new long[] {
            RangeIndexPartitioner.firstIndex(config.rows(), files, k),
            RangeIndexPartitioner.firstIndex(config.rows(), files, k + 1)
          });
    }
    TeacherStudentGenerator gen = new TeacherStudentGenerator(config);
    JavaRDD<long[]> parts = sc.parallelize(ranges, files);
    sc.setJobDescription(
        "marginflow: generate " + config.rows() + " rows into " + files + " files");
    switch (format) {
      case "libsvm" ->
          parts
              .flatMap(r -> new Rows<>(gen, r, GeneratedDataWriter::libsvmLine))
              .saveAsTextFile(out);
      case "parquet" -> {
        List<StructField> fields = new ArrayList<>();
        fields.add(DataTypes.createStructField("label", DataTypes.DoubleType, false));
        for (int j = 1; j <= config.features(); j++) {
          fields.add(DataTypes.createStructField("x" + j, DataTypes.DoubleType, false));
        }
        JavaRDD<Row> rows = parts.flatMap(r -> new Rows<>(gen, r, GeneratedDataWriter::row));
        spark.createDataFrame(rows, DataTypes.createStructType(fields)).write().parquet(out);
      }
      default ->
          throw new IllegalArgumentException(
              "format: expected libsvm or parquet, got '" + format + "'");
    }
  }

  /** One LIBSVM line: the label, then every feature (the data are dense). */
  static String libsvmLine(double y, double[] x) {
    StringBuilder b = new StringBuilder(x.length * 24 + 4);
    b.append(y > 0 ? "+1" : "-1");
    for (int j = 0; j < x.length; j++) {
      b.append(' ').append(j + 1).append(':').append(x[j]);
    }
    return b.toString();
  }

  private static Row row(double y, double[] x) {
    Object[] v = new Object[x.length + 1];
    v[0] = y;
    for (int j = 0; j < x.length; j++) {
      v[j + 1] = x[j];
    }
    return RowFactory.create(v);
  }

  /** Turns a generated row (label, features) into an output record. */
  @FunctionalInterface
  interface RowFormat<T> extends java.io.Serializable {
    /** The record of row (y, x); {@code x} is reused after the call. */
    T format(double y, double[] x);
  }

  /** The rows of one index range, generated lazily. */
  private static final class Rows<T> implements Iterator<T> {
    private final TeacherStudentGenerator gen;
    private final RowFormat<T> format;
    private final double[] x;
    private long next;
    private final long end;

    Rows(TeacherStudentGenerator gen, long[] range, RowFormat<T> format) {
      this.gen = gen;
      this.format = format;
      this.x = new double[gen.config().features()];
      this.next = range[0];
      this.end = range[1];
    }

    @Override
    public boolean hasNext() {
      return next < end;
    }

    @Override
    public T next() {
      if (next >= end) {
        throw new NoSuchElementException();
      }
      double y = gen.row(next++, x);
      return format.format(y, x);
    }
  }
}
