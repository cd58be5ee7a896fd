package io.marginflow.common.io;

import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.RowBlockBuilder;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an MNIST image/label pair in the IDX format (plain or gzip) as a two-class {@link Dataset}.
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
    String imagesName = images.toString();
    String labelsName = labels.toString();
    long started = System.nanoTime();
    try (DataInputStream img = new DataInputStream(DataFiles.open(images));
        DataInputStream lab = new DataInputStream(DataFiles.open(labels))) {
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
      byte[] buffer = new byte[pixels];
      double[] x = new double[pixels];
      RowBlockBuilder builder = new RowBlockBuilder(pixels, sparse, blockRows);
      long kept = 0;
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
        double scale = scaleTo01 ? INV_255 : 1.0;
        for (int j = 0; j < pixels; j++) {
          x[j] = (buffer[j] & 0xff) * scale;
        }
        builder.addDense(kept++, y, x);
      }
      trailing(img, imagesName, IMAGES_HEADER_BYTES + (long) count * pixels, count);
      trailing(lab, labelsName, LABELS_HEADER_BYTES + (long) count, count);
      String source = imagesName + " + " + labelsName + " [" + mapping.spec() + "]";
      if (kept == 0) {
        throw new DataFormatException(imagesName, 0, "no data rows for digits " + mapping.spec());
      }
      Dataset data = Dataset.of(source, pixels, builder.finish());
      LOG.info(
          "read {}: {} of {} images kept ({} positive), {}x{} pixels, {} ms",
          source,
          kept,
          count,
          data.positives(),
          height,
          width,
          (System.nanoTime() - started) / 1_000_000);
      return data;
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
