package io.marginflow.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class SparkSessionsTest {

  @Test
  void directResultsAndTheKryoBufferHoldAGradientOfTheRunsSize() {
    for (long d : new long[] {123, 266_241, 20_000_000}) {
      SparkConf conf = SparkSessions.configure(new SparkConf(false), d);
      long gradientBytes = 8 * d;
      assertTrue(
          conf.getSizeAsBytes("spark.task.maxDirectResultSize") > gradientBytes,
          "d = " + d + ": " + conf.get("spark.task.maxDirectResultSize"));
      assertTrue(
          conf.getSizeAsBytes("spark.kryoserializer.buffer.max") > gradientBytes,
          "d = " + d + ": " + conf.get("spark.kryoserializer.buffer.max"));
      assertEquals("true", conf.get("spark.kryo.registrationRequired"));
      assertEquals("false", conf.get("spark.broadcast.compress"));
    }
  }

  @Test
  void settingsGivenByTheUserWin() {
    SparkConf conf =
        new SparkConf(false)
            .set("spark.task.maxDirectResultSize", "2m")
            .set("spark.kryoserializer.buffer.max", "512m")
            .set("spark.kryo.unsafe", "false")
            .set("spark.broadcast.compress", "true");
    SparkSessions.configure(conf, 1000);
    assertEquals("2m", conf.get("spark.task.maxDirectResultSize"));
    assertEquals("512m", conf.get("spark.kryoserializer.buffer.max"));
    assertEquals("false", conf.get("spark.kryo.unsafe"));
    assertEquals("true", conf.get("spark.broadcast.compress"));
  }
}
