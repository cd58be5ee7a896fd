package io.marginflow.spark.job;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;

/**
 * A Hadoop {@link Configuration} that can travel to executors inside a closure.
 *
 * <p>It rides along in the lineage of every cached RDD built from files, so every task of every
 * step, evaluation and prefetch job deserializes it. Parsing a Configuration (hundreds of
 * gzip-compressed strings) cost ≈ 10 % of a sweep's CPU; so a JVM parses the bytes of an instance
 * (identified by a random id) only when it has not parsed the very same bytes before, and shares
 * the parsed, read-only configuration between tasks afterwards (as Spark shares its broadcast
 * Hadoop configurations). The bytes are written afresh at every serialization, so a change made on
 * the driver still travels.
 */
public final class HadoopConf implements Serializable {
  private static final long serialVersionUID = 2L;

  /** Parsed configurations by id with their bytes, most recently used last. */
  private static final Map<String, Parsed> PARSED =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Parsed> eldest) {
          return size() > 32;
        }
      };

  private record Parsed(byte[] bytes, Configuration conf) {}

  private final String id = UUID.randomUUID().toString();
  private transient Configuration conf;

  /** Wraps (and later ships) the given configuration. */
  public HadoopConf(Configuration conf) {
    this.conf = conf;
  }

  /** The configuration. */
  public Configuration get() {
    return conf;
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream d = new DataOutputStream(b)) {
      conf.write(d);
    }
    out.writeObject(b.toByteArray());
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    byte[] b = (byte[]) in.readObject();
    synchronized (PARSED) {
      Parsed p = PARSED.get(id);
      if (p == null || !Arrays.equals(p.bytes(), b)) {
        p = new Parsed(b, parse(b));
        PARSED.put(id, p);
      }
      conf = p.conf();
    }
  }

  private static Configuration parse(byte[] b) {
    Configuration c = new Configuration(false);
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
      c.readFields(in);
    } catch (IOException e) {
      throw new UncheckedIOException("a shipped Hadoop configuration is unreadable", e);
    }
    return c;
  }
}
