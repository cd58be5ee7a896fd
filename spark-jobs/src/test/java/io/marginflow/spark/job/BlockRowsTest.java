package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.net.Network;
import org.junit.jupiter.api.Test;

/** {@code --block-rows 0} is chosen from the model, as documented (issue 13 A7). */
class BlockRowsTest {

  private static TrainConfig config(String... flags) {
    return TrainConfig.from(ConfigLoader.parse(flags).settings());
  }

  @Test
  void mlpsGetTheDefaultAndCnnsFewerRowsAndAnExplicitValueWins() {
    assertEquals(
        TrainJob.DEFAULT_BLOCK_ROWS, TrainJob.blockRows(config("--model", "mlp:123-64-1"), 123));
    String cnn = "cnn:1x28x28-conv32k5-maxpool2-conv64k3-maxpool2-dense1024-dense1";
    int rows = TrainJob.blockRows(config("--model", cnn), 784);
    assertEquals(Network.parse(cnn).suggestedBlockRows(), rows);
    assertTrue(rows < TrainJob.DEFAULT_BLOCK_ROWS && rows >= 16, "CNN block rows: " + rows);
    assertEquals(
        300, TrainJob.blockRows(config("--model", cnn, "--block-rows", "300"), 784), "explicit");
  }
}
