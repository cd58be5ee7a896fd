package io.marginflow.spark.job;

import java.nio.charset.StandardCharsets;

/**
 * A reusable view of one line held as bytes, read as a {@link CharSequence} of one char per byte
 * (ASCII as is; a byte ≥ 0x80 becomes a char ≥ U+0080, which no number, index or label accepts).
 * {@link #toString} and {@link #subSequence} decode UTF-8, so messages quote the line as written.
 */
final class ByteLine implements CharSequence {

  private byte[] buf;
  private int off;
  private int len;

  /** Points the view at {@code buf[off, off + len)}. */
  void set(byte[] buf, int off, int len) {
    this.buf = buf;
    this.off = off;
    this.len = len;
  }

  /** True when every byte is a space, tab, CR, LF, FF or VT (a blank line). */
  boolean isBlank() {
    for (int i = off, end = off + len; i < end; i++) {
      byte b = buf[i];
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n' && b != '\f' && b != 0x0B) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int length() {
    return len;
  }

  @Override
  public char charAt(int index) {
    return (char) (buf[off + index] & 0xFF);
  }

  @Override
  public CharSequence subSequence(int start, int end) {
    return new String(buf, off + start, end - start, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return new String(buf, off, len, StandardCharsets.UTF_8);
  }
}
