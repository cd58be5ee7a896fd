package io.marginflow.common.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** {@link PassThreads}: every item done exactly once, in contiguous parts, failures passed on. */
class PassThreadsTest {

  @Test
  void everyItemIsDoneOnceInContiguousPartsOnUpToTheThreadsAsked() {
    for (int threads = 1; threads <= 4; threads++) {
      try (PassThreads pass = PassThreads.create(threads, "test-pass")) {
        assertEquals(threads, pass.threads());
        for (int items : new int[] {0, 1, 2, 3, 7, 101}) {
          AtomicIntegerArray done = new AtomicIntegerArray(Math.max(1, items));
          Set<String> names = ConcurrentHashMap.newKeySet();
          Set<Integer> starts = ConcurrentHashMap.newKeySet();
          pass.run(
              items,
              (from, to) -> {
                starts.add(from);
                names.add(Thread.currentThread().getName());
                for (int i = from; i < to; i++) {
                  done.incrementAndGet(i);
                }
              });
          for (int i = 0; i < items; i++) {
            assertEquals(1, done.get(i), threads + " threads, " + items + " items: item " + i);
          }
          int parts = Math.max(1, Math.min(threads, items));
          assertEquals(parts, starts.size(), threads + " threads, " + items + " items: parts");
          assertTrue(names.size() <= parts, "at most one thread per part");
        }
      }
    }
  }

  @Test
  void partsHaveAtLeastTheItemsAsked() {
    try (PassThreads pass = PassThreads.create(4, "test-pass")) {
      for (int items : new int[] {0, 3, 4, 7, 8, 11, 12, 17, 100}) {
        Set<Integer> starts = ConcurrentHashMap.newKeySet();
        AtomicIntegerArray done = new AtomicIntegerArray(Math.max(1, items));
        pass.run(
            items,
            4,
            (from, to) -> {
              starts.add(from);
              assertTrue(items < 4 || to - from >= 4, items + " items: a part of " + (to - from));
              for (int i = from; i < to; i++) {
                done.incrementAndGet(i);
              }
            });
        for (int i = 0; i < items; i++) {
          assertEquals(1, done.get(i), items + " items: item " + i);
        }
        assertEquals(Math.max(1, Math.min(4, items / 4)), starts.size(), items + " items: parts");
      }
      assertThrows(IllegalArgumentException.class, () -> pass.run(8, 0, (from, to) -> {}));
    }
  }

  @Test
  void aFailingPartFailsThePassAfterTheOthersEnd() {
    try (PassThreads pass = PassThreads.create(3, "test-pass")) {
      AtomicIntegerArray done = new AtomicIntegerArray(9);
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  pass.run(
                      9,
                      (from, to) -> {
                        if (from == 3) {
                          throw new IllegalStateException("part at 3");
                        }
                        for (int i = from; i < to; i++) {
                          done.incrementAndGet(i);
                        }
                      }));
      assertEquals("part at 3", e.getMessage());
      assertEquals(1, done.get(0));
      assertEquals(1, done.get(8), "the other parts ran to their end");
    }
  }

  @Test
  void oneThreadIsTheCallerAlone() {
    assertSame(PassThreads.ONE, PassThreads.create(1, "x"));
    assertThrows(IllegalArgumentException.class, () -> PassThreads.create(0, "x"));
    String[] name = new String[1];
    PassThreads.ONE.run(5, (from, to) -> name[0] = Thread.currentThread().getName());
    assertEquals(Thread.currentThread().getName(), name[0]);
  }
}
