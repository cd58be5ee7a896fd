package io.marginflow.bench.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident-set figures of this process from {@code /proc/self} (Linux; −1 elsewhere). */
public final class ProcStatus {

  private ProcStatus() {}

  /** Resets the peak RSS (VmHWM) to the current RSS; a no-op where unsupported. */
  public static void resetPeak() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException | RuntimeException e) {
      // not Linux, or not permitted: the peak then covers the whole process lifetime
    }
  }

  /** Peak resident set size in kB (VmHWM), or −1. */
  public static long peakRssKb() {
    return statusKb("VmHWM:");
  }

  /** Current resident set size in kB (VmRSS), or −1. */
  public static long rssKb() {
    return statusKb("VmRSS:");
  }

  private static long statusKb(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
