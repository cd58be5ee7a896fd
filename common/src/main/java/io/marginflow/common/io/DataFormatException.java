package io.marginflow.common.io;

/**
 * Malformed input data: the message always reads {@code "file:line: what is wrong (got 'token')"},
 * or {@code "file: what is wrong"} when the problem concerns the whole file (line ≤ 0).
 *
 * <p>For line-oriented formats {@link #line()} is the 1-based line number; for binary formats (IDX)
 * it is the 1-based record number and the message also gives the byte offset.
 */
public class DataFormatException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** Longest token quoted in a message; longer tokens are cut and marked with an ellipsis. */
  private static final int MAX_QUOTED = 60;

  private final String file;
  private final long line;
  private final String detail;

  /**
   * @param file the file (or other source name) holding the bad input
   * @param line 1-based line (or record) number, or ≤ 0 when the problem concerns the whole file
   * @param message what is wrong, ideally ending with {@code (got 'token')}
   */
  public DataFormatException(String file, long line, String message) {
    super(format(file, line, message));
    this.file = file;
    this.line = line;
    this.detail = message;
  }

  /** The message without the {@code file:line: } prefix. */
  public String detail() {
    return detail;
  }

  /** The file (or source name) given at construction. */
  public String file() {
    return file;
  }

  /** The 1-based line or record number, or ≤ 0 for whole-file problems. */
  public long line() {
    return line;
  }

  private static String format(String file, long line, String message) {
    String f = file == null ? "<unknown>" : file;
    return line > 0 ? f + ":" + line + ": " + message : f + ": " + message;
  }

  /** {@code " (got 'token')"} with the token cut to a readable length. */
  static String got(CharSequence s, int start, int end) {
    CharSequence token = s.subSequence(start, end);
    if (token.length() > MAX_QUOTED) {
      token = token.subSequence(0, MAX_QUOTED) + "...";
    }
    return " (got '" + token + "')";
  }
}
