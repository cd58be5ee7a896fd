package io.marginflow.common.testing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One seeded edit of an input file for the bad-input fuzz tests (fault B7; a small in-house
 * mutation fuzzer driven by {@link SplittableRandom}, so a seed reproduces every input): a flipped
 * bit, a deleted range, an inserted hostile token, a duplicated or dropped line, or a truncation,
 * at a position given as a fraction of the length so that the same edit applies to any file.
 *
 * @param kind what to do
 * @param at where, as a fraction of the content length in [0, 1)
 * @param token the token inserted (or the bit index for {@link Kind#FLIP_BIT}, the length of a
 *     deleted range)
 */
public record Mutation(Kind kind, double at, String token) {

  /** The kinds of edits. */
  public enum Kind {
    FLIP_BIT,
    DELETE_RANGE,
    INSERT_TOKEN,
    DUPLICATE_LINE,
    DROP_LINE,
    TRUNCATE
  }

  /** Tokens that break parsers: separators, numbers out of range, YAML syntax, odd characters. */
  public static final List<String> TOKENS =
      List.of(
          ":",
          " ",
          "\t",
          "\n",
          "\r\n",
          ",",
          "-",
          "- ",
          "[",
          "]",
          "{",
          "}",
          "&a ",
          "*a",
          "!!binary ",
          "'",
          "\"",
          "#",
          "---\n",
          "? ",
          "|",
          ">",
          "~",
          "%",
          "null",
          "true",
          "0",
          "-0",
          "-1",
          "1e999",
          "-1e-999",
          "NaN",
          "nan",
          "Infinity",
          "-Infinity",
          "9223372036854775808",
          "0x10",
          "1_000",
          "2",
          "+1",
          "1.5",
          "0:1",
          "1:1 1:2",
          "999999999:1",
          "-3:1",
          "1:",
          ":1",
          "1::1",
          "\u0000",
          "\uFFFD",
          "é",
          "\uD83D\uDE00",
          "mlp:",
          "mlp:1-0-1",
          "cnn:1x28x28-conv0k5",
          "x".repeat(300));

  /** A random mutation drawn from {@code rnd} (seeded by the caller). */
  public static Mutation random(SplittableRandom rnd) {
    Kind[] kinds = Kind.values();
    return new Mutation(
        kinds[rnd.nextInt(kinds.length)], rnd.nextDouble(), TOKENS.get(rnd.nextInt(TOKENS.size())));
  }

  /** 1 to {@code max} random mutations. */
  public static List<Mutation> randomList(SplittableRandom rnd, int max) {
    int n = 1 + rnd.nextInt(max);
    java.util.ArrayList<Mutation> out = new java.util.ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(random(rnd));
    }
    return out;
  }

  /** Applies {@code mutations} in order. */
  public static byte[] applyAll(List<Mutation> mutations, byte[] content) {
    byte[] out = content;
    for (Mutation m : mutations) {
      out = m.apply(out);
    }
    return out;
  }

  /** Applies the edit to {@code content} (not modified) and returns the new bytes. */
  public byte[] apply(byte[] content) {
    int n = content.length;
    int pos = (int) Math.min(n, Math.floor(at * n));
    switch (kind) {
      case FLIP_BIT -> {
        if (n == 0) {
          return content;
        }
        byte[] out = content.clone();
        int p = Math.min(pos, n - 1);
        out[p] ^= (byte) (1 << Math.floorMod(token.hashCode(), 8));
        return out;
      }
      case DELETE_RANGE -> {
        int len = Math.min(n - pos, 1 + Math.floorMod(token.hashCode(), 40));
        return concat(Arrays.copyOf(content, pos), Arrays.copyOfRange(content, pos + len, n));
      }
      case INSERT_TOKEN -> {
        return concat(
            Arrays.copyOf(content, pos),
            token.getBytes(StandardCharsets.UTF_8),
            Arrays.copyOfRange(content, pos, n));
      }
      case DUPLICATE_LINE, DROP_LINE -> {
        int start = pos;
        while (start > 0 && content[start - 1] != '\n') {
          start--;
        }
        int end = pos;
        while (end < n && content[end] != '\n') {
          end++;
        }
        end = Math.min(n, end + 1);
        byte[] line = Arrays.copyOfRange(content, start, end);
        byte[] head = Arrays.copyOf(content, start);
        byte[] tail = Arrays.copyOfRange(content, end, n);
        return kind == Kind.DROP_LINE ? concat(head, tail) : concat(head, line, line, tail);
      }
      case TRUNCATE -> {
        return Arrays.copyOf(content, pos);
      }
      default -> throw new IllegalStateException("unknown kind " + kind);
    }
  }

  private static byte[] concat(byte[]... parts) {
    int len = 0;
    for (byte[] p : parts) {
      len += p.length;
    }
    byte[] out = new byte[len];
    int off = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, off, p.length);
      off += p.length;
    }
    return out;
  }
}
