package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * A shipped Hadoop configuration is parsed once per JVM for the same bytes, and a change made on
 * the driver still travels (real Java serialization, as Spark's task serializer does).
 */
class HadoopConfTest {

  private static HadoopConf roundTrip(HadoopConf c) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(b)) {
      out.writeObject(c);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b.toByteArray()))) {
      return (HadoopConf) in.readObject();
    }
  }

  @Test
  void theSameBytesAreParsedOnceAndAChangeTravels() throws Exception {
    Configuration conf = new Configuration(false);
    conf.set("marginflow.test.key", "one");
    HadoopConf shipped = new HadoopConf(conf);
    HadoopConf a = roundTrip(shipped);
    HadoopConf b = roundTrip(shipped);
    assertEquals("one", a.get().get("marginflow.test.key"));
    assertSame(a.get(), b.get(), "parsed once, shared");
    assertNotSame(conf, a.get());

    conf.set("marginflow.test.key", "two");
    HadoopConf c = roundTrip(shipped);
    assertEquals("two", c.get().get("marginflow.test.key"), "the driver's change travels");
    assertNotSame(a.get(), c.get());

    HadoopConf other = roundTrip(new HadoopConf(conf));
    assertNotSame(c.get(), other.get(), "another instance is parsed on its own");
    assertEquals("two", other.get().get("marginflow.test.key"));
  }
}
