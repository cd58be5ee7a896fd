package io.marginflow.common.format;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Canonical, immutable copies of free-form JSON objects ({@code Map<String, Object>}) held by the
 * records of this package, in the exact form the JSON reader produces, so that write → read →
 * equals holds. Allowed values: {@code null}, String, Boolean, integral numbers (stored as Integer
 * when they fit, else Long), finite Float/Double (stored as Double), Map with String keys,
 * List/Collection and primitive or object arrays (stored as List). Non-finite doubles are refused:
 * JSON has no token for them (encode them as strings if needed).
 */
final class JsonValues {

  private JsonValues() {}

  /** A canonical immutable copy of {@code map}; {@code field} names it in error messages. */
  static Map<String, Object> canonicalMap(Map<?, ?> map, String field) {
    if (map == null) {
      throw new IllegalArgumentException(field + ": must not be null (use an empty map)");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        throw new IllegalArgumentException(
            field + ": keys must be strings, got " + describe(e.getKey()));
      }
      out.put(key, canonicalValue(e.getValue(), field + "." + key));
    }
    return Collections.unmodifiableMap(out);
  }

  private static Object canonicalValue(Object v, String field) {
    if (v == null || v instanceof String || v instanceof Boolean) {
      return v;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).intValue();
    }
    if (v instanceof Long l) {
      return canonicalIntegral(l);
    }
    if (v instanceof BigInteger b) {
      if (b.bitLength() > 63) {
        throw new IllegalArgumentException(field + ": integer " + b + " exceeds the long range");
      }
      return canonicalIntegral(b.longValue());
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (!Double.isFinite(d)) {
        throw new IllegalArgumentException(
            field
                + ": non-finite number "
                + d
                + " cannot be stored in JSON (store it as a string)");
      }
      return d;
    }
    if (v instanceof Map<?, ?> m) {
      return canonicalMap(m, field);
    }
    if (v instanceof Collection<?> c) {
      return canonicalList(c, field);
    }
    if (v instanceof Object[] a) {
      return canonicalList(List.of(a), field);
    }
    if (v instanceof double[] a) {
      List<Object> l = new ArrayList<>(a.length);
      for (double x : a) {
        l.add(x);
      }
      return canonicalList(l, field);
    }
    if (v instanceof long[] a) {
      List<Object> l = new ArrayList<>(a.length);
      for (long x : a) {
        l.add(x);
      }
      return canonicalList(l, field);
    }
    if (v instanceof int[] a) {
      List<Object> l = new ArrayList<>(a.length);
      for (int x : a) {
        l.add(x);
      }
      return canonicalList(l, field);
    }
    throw new IllegalArgumentException(
        field
            + ": unsupported JSON value "
            + describe(v)
            + " (allowed: null, String, Boolean, integral or finite numbers, Map, List, arrays)");
  }

  private static Object canonicalIntegral(long l) {
    if (l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
      return (int) l;
    }
    return l;
  }

  private static List<Object> canonicalList(Collection<?> c, String field) {
    List<Object> out = new ArrayList<>(c.size());
    int i = 0;
    for (Object x : c) {
      out.add(canonicalValue(x, field + "[" + i++ + "]"));
    }
    return Collections.unmodifiableList(out);
  }

  private static String describe(Object v) {
    return v == null ? "null" : v.getClass().getName() + " " + v;
  }
}
