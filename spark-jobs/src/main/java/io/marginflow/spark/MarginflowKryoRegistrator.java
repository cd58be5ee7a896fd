package io.marginflow.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.FloatCsrBlock;
import io.marginflow.common.data.FloatDenseBlock;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.stats.MarginAccumulator;
import io.marginflow.common.train.BatchGradient;
import io.marginflow.common.train.EvaluationPass;
import io.marginflow.spark.job.FileFingerprint;
import io.marginflow.spark.job.InputFile;
import io.marginflow.spark.job.LineSplit;
import io.marginflow.spark.job.ParquetIngest;
import io.marginflow.spark.job.ParquetScan;
import io.marginflow.spark.job.PartitionPlan;
import io.marginflow.spark.job.SplitScan;
import io.marginflow.spark.job.WindowRows;
import org.apache.spark.serializer.KryoRegistrator;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Registers every class marginflow ships through Spark with Kryo, so that jobs can run with {@code
 * spark.kryo.registrationRequired=true} (set {@code spark.kryo.registrator} to this class). Add new
 * shipped classes to {@link #registerClasses}; a missing one fails at task time with {@code
 * IllegalArgumentException: Class is not registered: X}.
 *
 * <p>The row blocks are records, whose final fields Kryo's default field serializer cannot set, so
 * they get explicit serializers that call the canonical constructor (which re-validates shapes).
 * Arrays are written whole, as held (they may be longer than the rows in use).
 */
public final class MarginflowKryoRegistrator implements KryoRegistrator {

  /** Spark ML's vector column type. */
  static final String VECTOR_UDT = "org.apache.spark.ml.linalg.VectorUDT";

  @Override
  public void registerClasses(Kryo kryo) {
    kryo.register(double[].class);
    kryo.register(long[].class);
    kryo.register(int[].class);
    kryo.register(double[][].class);
    kryo.register(DenseBlock.class, new DenseBlockSerializer());
    kryo.register(CsrBlock.class, new CsrBlockSerializer());
    kryo.register(DenseBlock[].class);
    kryo.register(CsrBlock[].class);
    kryo.register(FloatDenseBlock.class, new FloatDenseBlockSerializer());
    kryo.register(FloatCsrBlock.class, new FloatCsrBlockSerializer());
    kryo.register(RowBlock[].class);
    // Task results of the training job: mergeable accumulators with nested state (sketches,
    // buffers) travel through Java serialization inside Kryo.
    JavaSerializer java = new JavaSerializer();
    kryo.register(BatchGradient.class, new BatchGradientSerializer());
    kryo.register(EvaluationPass.class, java);
    kryo.register(MarginAccumulator.class, java);
    kryo.register(InputFile.class, java);
    kryo.register(LineSplit.class, java);
    kryo.register(SplitScan.class, java);
    kryo.register(PartitionPlan.class, java);
    kryo.register(FileFingerprint.chunkClass(), java);
    kryo.register(byte[].class);
    kryo.register(Object[].class);
    kryo.register(scala.Tuple2[].class);
    kryo.register(WindowRows.class, new WindowRowsSerializer());
    kryo.register(WindowRows[].class);
    kryo.register(ParquetScan.class, java);
    kryo.register(ParquetIngest.unitClass(), java);
    // Spark's Parquet schema inference ships the schema of files without Spark's footer schema (and
    // Spark's own reads of numeric columns of any width); Spark registers only some of the types.
    for (DataType t :
        new DataType[] {
          DataTypes.ByteType,
          DataTypes.ShortType,
          DataTypes.IntegerType,
          DataTypes.LongType,
          DataTypes.FloatType,
          DataTypes.DoubleType,
          DataTypes.createDecimalType()
        }) {
      kryo.register(t.getClass());
    }
    // Spark's schema inference ships the StructType of Spark ML's Parquet files (a vector column);
    // spark-mllib is optional (only Parquet in Spark ML's layout needs it).
    try {
      kryo.register(Class.forName(VECTOR_UDT, false, getClass().getClassLoader()));
    } catch (ClassNotFoundException absent) {
      // no Spark ML on the classpath: no vector columns to ship
    }
  }

  /** Kryo serializer of {@link FloatDenseBlock}. */
  static final class FloatDenseBlockSerializer extends Serializer<FloatDenseBlock> {
    FloatDenseBlockSerializer() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output out, FloatDenseBlock b) {
      out.writeInt(b.rows(), true);
      out.writeInt(b.features(), true);
      out.writeInt(b.values().length, true);
      out.writeFloats(b.values());
      out.writeInt(b.labelBytes().length, true);
      out.writeBytes(b.labelBytes());
      out.writeLong(b.firstRow());
    }

    @Override
    public FloatDenseBlock read(Kryo kryo, Input in, Class<FloatDenseBlock> type) {
      int rows = in.readInt(true);
      int features = in.readInt(true);
      float[] v = in.readFloats(in.readInt(true));
      byte[] y = in.readBytes(in.readInt(true));
      return new FloatDenseBlock(rows, features, v, y, in.readLong());
    }
  }

  /** Kryo serializer of {@link FloatCsrBlock}. */
  static final class FloatCsrBlockSerializer extends Serializer<FloatCsrBlock> {
    FloatCsrBlockSerializer() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output out, FloatCsrBlock b) {
      out.writeInt(b.rows(), true);
      out.writeInt(b.features(), true);
      writeInts(out, b.rowPtr());
      writeInts(out, b.colIdx());
      out.writeInt(b.values().length, true);
      out.writeFloats(b.values());
      out.writeInt(b.labelBytes().length, true);
      out.writeBytes(b.labelBytes());
      out.writeLong(b.firstRow());
    }

    @Override
    public FloatCsrBlock read(Kryo kryo, Input in, Class<FloatCsrBlock> type) {
      int rows = in.readInt(true);
      int features = in.readInt(true);
      int[] ptr = readInts(in);
      int[] col = readInts(in);
      float[] v = in.readFloats(in.readInt(true));
      byte[] y = in.readBytes(in.readInt(true));
      return new FloatCsrBlock(rows, features, ptr, col, v, y, in.readLong());
    }
  }

  /** Kryo serializer of a prefetch task result: first step, blocks per step, then each block. */
  static final class WindowRowsSerializer extends Serializer<WindowRows> {
    WindowRowsSerializer() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output out, WindowRows w) {
      out.writeLong(w.firstStep(), true);
      writeInts(out, w.partsPerStep());
      out.writeInt(w.parts().length, true);
      for (RowBlock b : w.parts()) {
        kryo.writeClassAndObject(out, b);
      }
    }

    @Override
    public WindowRows read(Kryo kryo, Input in, Class<WindowRows> type) {
      long first = in.readLong(true);
      int[] perStep = readInts(in);
      RowBlock[] parts = new RowBlock[in.readInt(true)];
      for (int i = 0; i < parts.length; i++) {
        parts[i] = (RowBlock) kryo.readClassAndObject(in);
      }
      return new WindowRows(first, perStep, parts);
    }
  }

  /** Kryo serializer of the per-step sum: scalars, then the gradient as one double array. */
  static final class BatchGradientSerializer extends Serializer<BatchGradient> {
    @Override
    public void write(Kryo kryo, Output out, BatchGradient g) {
      double[] grad = g.gradientOrNull(); // first: it does a pending merge's combine
      out.writeInt(g.parameterCount(), true);
      out.writeLong(g.count(), true);
      out.writeDouble(g.logFrame());
      out.writeDouble(g.logSumNegDerivative());
      out.writeDouble(g.minMargin());
      out.writeDouble(g.weightedMarginSum());
      // the flags only: a gradient entry's finiteness is checked where the sums are merged or
      // used (BatchGradient#nonFinite scans what no merge checked), not by a 13 MB scan per task
      out.writeBoolean(g.knownNonFinite());
      out.writeInt(grad == null ? -1 : grad.length);
      if (grad != null) {
        out.writeDoubles(grad);
      }
    }

    @Override
    public BatchGradient read(Kryo kryo, Input in, Class<BatchGradient> type) {
      int d = in.readInt(true);
      long count = in.readLong(true);
      double logFrame = in.readDouble();
      double logSumNeg = in.readDouble();
      double min = in.readDouble();
      double wp = in.readDouble();
      boolean nonFinite = in.readBoolean();
      int len = in.readInt();
      double[] grad = len < 0 ? null : in.readDoubles(len);
      return BatchGradient.restore(d, count, logFrame, logSumNeg, min, wp, nonFinite, grad);
    }
  }

  /** Kryo serializer of {@link DenseBlock}. */
  static final class DenseBlockSerializer extends Serializer<DenseBlock> {
    DenseBlockSerializer() {
      setImmutable(
          true); // blocks are immutable by convention: Kryo.copy may return the same object
    }

    @Override
    public void write(Kryo kryo, Output out, DenseBlock b) {
      out.writeInt(b.rows(), true);
      out.writeInt(b.features(), true);
      writeDoubles(out, b.values());
      writeDoubles(out, b.labels());
      writeLongs(out, b.rowIndex());
    }

    @Override
    public DenseBlock read(Kryo kryo, Input in, Class<DenseBlock> type) {
      int rows = in.readInt(true);
      int features = in.readInt(true);
      return new DenseBlock(rows, features, readDoubles(in), readDoubles(in), readLongs(in));
    }
  }

  /** Kryo serializer of {@link CsrBlock}. */
  static final class CsrBlockSerializer extends Serializer<CsrBlock> {
    CsrBlockSerializer() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output out, CsrBlock b) {
      out.writeInt(b.rows(), true);
      out.writeInt(b.features(), true);
      writeInts(out, b.rowPtr());
      writeInts(out, b.colIdx());
      writeDoubles(out, b.values());
      writeDoubles(out, b.labels());
      writeLongs(out, b.rowIndex());
    }

    @Override
    public CsrBlock read(Kryo kryo, Input in, Class<CsrBlock> type) {
      int rows = in.readInt(true);
      int features = in.readInt(true);
      return new CsrBlock(
          rows,
          features,
          readInts(in),
          readInts(in),
          readDoubles(in),
          readDoubles(in),
          readLongs(in));
    }
  }

  private static void writeDoubles(Output out, double[] a) {
    out.writeInt(a.length, true);
    out.writeDoubles(a);
  }

  private static void writeLongs(Output out, long[] a) {
    out.writeInt(a.length, true);
    out.writeLongs(a);
  }

  private static void writeInts(Output out, int[] a) {
    out.writeInt(a.length, true);
    out.writeInts(a);
  }

  private static double[] readDoubles(Input in) {
    return in.readDoubles(in.readInt(true));
  }

  private static long[] readLongs(Input in) {
    return in.readLongs(in.readInt(true));
  }

  private static int[] readInts(Input in) {
    return in.readInts(in.readInt(true));
  }
}
