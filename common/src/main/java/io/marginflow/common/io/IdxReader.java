package io.marginflow.common.io;

import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.RowBlockBuilder;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an MNIST image/label pair in the IDX format (plain or gzip files, or any decompressed
 * stream) as a two-class {@link Dataset}, or only validates it ({@link #scan}).
 *
 * <p>Layout (all integers big-endian): images = magic 2051 ({@code 0x00000803}: unsigned bytes, 3
 * dimensions), count n, rows, cols, then n × rows × cols pixel bytes in row-major order; labels =
 * magic 2049 ({@code 0x00000801}), count n, then n label bytes in 0–9. Both counts must agree and
 * neither file may be truncated or carry trailing bytes.
 *
 * <p>Each image becomes one row with rows × cols features (feature = row-major pixel index), raw
 * 0–255 or scaled by 1/255. Digits are mapped to ±1 by {@link DigitLabels}; images whose digit is
 * in neither set are dropped, and the kept rows are numbered 0, 1, … in file order. Errors name the
 * file and, for record problems, the 1-based record number and byte offset.
 */
public final class IdxReader {

  private static final Logger LOG = LoggerFactory.getLogger(IdxReader.class);

  /** Magic of an unsigned-byte 3-D IDX file (images). */
  public static final int IMAGES_MAGIC = 0x00000803;

  /** Magic of an unsigned-byte 1-D IDX file (labels). */
  public static final int LABELS_MAGIC = 0x00000801;

  private static final int IMAGES_HEADER_BYTES = 16;
  private static final int LABELS_HEADER_BYTES = 8;
  private static final double INV_255 = 1.0 / 255.0;

  private IdxReader() {}

  /** Dense blocks; see {@link #read(Path, Path, DigitLabels, boolean, boolean, int)}. */
  public static Dataset read(
      Path images, Path labels, DigitLabels mapping, boolean scaleTo01, int blockRows)
      throws IOException {
    return read(images, labels, mapping, scaleTo01, false, blockRows);
  }

  /**
   * @param images IDX images file (magic 2051)
   * @param labels IDX labels file (magic 2049)
   * @param mapping digits → ±1; others dropped
   * @param scaleTo01 true to divide pixels by 255
   * @param sparse true for CSR blocks (zero pixels not stored), false for dense blocks
   * @param blockRows maximum rows per block
   */
  public static Dataset read(
      Path images,
      Path labels,
      DigitLabels mapping,
      boolean scaleTo01,
      boolean sparse,
      int blockRows)
      throws IOException {
    try (InputStream img = DataFiles.open(images);
        InputStream lab = DataFiles.open(labels)) {
      return read(
          img, images.toString(), lab, labels.toString(), mapping, scaleTo01, sparse, blockRows);
    }
  }

  /**
   * Reads an image/label pair from streams of their decompressed content (not closed here); errors
   * name {@code imagesName} or {@code labelsName}, e.g. the URIs the streams were opened from.
   */
  public static Dataset read(
      InputStream images,
      String imagesName,
      InputStream labels,
      String labelsName,
      DigitLabels mapping,
      boolean scaleTo01,
      boolean sparse,
      int blockRows)
      throws IOException {
    long started = System.nanoTime();
    Pass pass = new Pass(imagesName, labelsName, mapping);
    RowBlockBuilder[] builder = new RowBlockBuilder[1];
    double scale = scaleTo01 ? INV_255 : 1.0;
    Summary sum =
        pass.run(
            images,
            labels,
            (pixels, width) -> builder[0] = new RowBlockBuilder(pixels, sparse, blockRows),
            (kept, y, buffer, x) -> {
              for (int j = 0; j < x.length; j++) {
                x[j] = (buffer[j] & 0xff) * scale;
              }
              builder[0].addDense(kept, y, x);
            });
    String source = imagesName + " + " + labelsName + " [" + mapping.spec() + "]";
    Dataset data = Dataset.of(source, sum.features(), builder[0].finish());
    LOG.info(
        "read {}: {} of {} images kept ({} positive), {}x{} pixels, {} ms",
        source,
        sum.rows(),
        sum.records(),
        data.positives(),
        sum.height(),
        sum.width(),
        (System.nanoTime() - started) / 1_000_000);
    return data;
  }

  /**
   * What a validating pass over an image/label pair found: the records in the files, the rows kept
   * by the digit mapping and how many of them are positive, and the image shape.
   *
   * @param records images (= labels) in the files
   * @param rows rows kept by the mapping, ≥ 1
   * @param positives kept rows labelled +1
   * @param height pixel rows per image
   * @param width pixel columns per image
   */
  public record Summary(long records, long rows, long positives, int height, int width) {

    /** Features per row (height × width). */
    public int features() {
      return height * width;
    }
  }

  /**
   * Validates an image/label pair without building rows: the same checks as {@link #read} (magic
   * numbers, counts, dimensions, digits, truncation, trailing bytes, at least one kept row).
   */
  public static Summary scan(
      InputStream images, String imagesName, InputStream labels, String labelsName, DigitLabels m)
      throws IOException {
    return new Pass(imagesName, labelsName, m)
        .run(images, labels, (p, w) -> {}, (k, y, b, x) -> {});
  }

  private interface Start {
    void shape(int pixels, int width);
  }

  private interface Sink {
    void row(long kept, double y, byte[] buffer, double[] x);
  }

  /** One pass over a pair: the checks, with the kept rows handed to a sink. */
  private record Pass(String imagesName, String labelsName, DigitLabels mapping) {

    Summary run(InputStream images, InputStream labels, Start start, Sink sink) throws IOException {
      DataInputStream img = new DataInputStream(new BufferedInputStream(images, 1 << 16));
      DataInputStream lab = new DataInputStream(new BufferedInputStream(labels, 1 << 16));
      int imageMagic = header(img, imagesName, "magic");
      if (imageMagic != IMAGES_MAGIC) {
        throw new DataFormatException(
            imagesName,
            0,
            "not an IDX images file: expected magic 2051 (0x00000803), got "
                + imageMagic
                + " (0x"
                + String.format("%08x", imageMagic)
                + ")");
      }
      int count = header(img, imagesName, "image count");
      int height = header(img, imagesName, "row count");
      int width = header(img, imagesName, "column count");
      int labelMagic = header(lab, labelsName, "magic");
      if (labelMagic != LABELS_MAGIC) {
        throw new DataFormatException(
            labelsName,
            0,
            "not an IDX labels file: expected magic 2049 (0x00000801), got "
                + labelMagic
                + " (0x"
                + String.format("%08x", labelMagic)
                + ")");
      }
      int labelCount = header(lab, labelsName, "label count");
      if (count < 0 || height <= 0 || width <= 0 || (long) height * width > Integer.MAX_VALUE / 8) {
        throw new DataFormatException(
            imagesName,
            0,
            "bad IDX dimensions: count=" + count + ", rows=" + height + ", cols=" + width);
      }
      if (labelCount != count) {
        throw new DataFormatException(
            labelsName,
            0,
            "label count "
                + labelCount
                + " does not match image count "
                + count
                + " of "
                + imagesName);
      }
      int pixels = height * width;
      start.shape(pixels, width);
      byte[] buffer = new byte[pixels];
      double[] x = new double[pixels];
      long kept = 0;
      long positives = 0;
      for (int r = 0; r < count; r++) {
        int digit;
        try {
          digit = lab.readUnsignedByte();
        } catch (EOFException e) {
          throw truncated(labelsName, r, LABELS_HEADER_BYTES + (long) r, count);
        }
        if (digit > 9) {
          throw new DataFormatException(
              labelsName,
              r + 1L,
              "label must be a digit 0-9 (record "
                  + (r + 1)
                  + " at byte offset "
                  + (LABELS_HEADER_BYTES + (long) r)
                  + ") (got '"
                  + digit
                  + "')");
        }
        try {
          img.readFully(buffer);
        } catch (EOFException e) {
          throw truncated(imagesName, r, IMAGES_HEADER_BYTES + (long) r * pixels, count);
        }
        double y = mapping.label(digit);
        if (y == 0.0) {
          continue;
        }
        if (y > 0) {
          positives++;
        }
        sink.row(kept++, y, buffer, x);
      }
      trailing(img, imagesName, IMAGES_HEADER_BYTES + (long) count * pixels, count);
      trailing(lab, labelsName, LABELS_HEADER_BYTES + (long) count, count);
      if (kept == 0) {
        throw new DataFormatException(imagesName, 0, "no data rows for digits " + mapping.spec());
      }
      return new Summary(count, kept, positives, height, width);
    }
  }

  private static int header(DataInputStream in, String name, String field) throws IOException {
    try {
      return in.readInt();
    } catch (EOFException e) {
      throw new DataFormatException(name, 0, "truncated IDX header: no " + field);
    }
  }

  private static DataFormatException truncated(String name, int record, long offset, int count) {
    return new DataFormatException(
        name,
        record + 1L,
        "file ends inside record "
            + (record + 1)
            + " of "
            + count
            + " (byte offset "
            + offset
            + ")");
  }

  private static void trailing(DataInputStream in, String name, long offset, int count)
      throws IOException {
    if (in.read() != -1) {
      throw new DataFormatException(
          name,
          0,
          "trailing bytes after the " + count + " declared records (byte offset " + offset + ")");
    }
  }
}
