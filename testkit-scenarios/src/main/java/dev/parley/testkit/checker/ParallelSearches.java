package dev.parley.testkit.checker;

import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.stream.IntStream;

/**
 * Independent searches (one per key of a history) run on up to n threads, the calling thread being one
 * of them: the tasks wait in a queue, largest first so that the longest starts at once, and each
 * thread takes the next until none is left. So the work never waits for a helper to be scheduled on a
 * busy machine: the caller takes what no helper has begun, and waits only for the tasks helpers did
 * begin. Helpers come from one pool of daemon
 * threads kept for all checks, so a check does not pay for starting threads. The results come back in
 * the order of the tasks, whichever thread ran them and whenever they finished; a task that throws
 * rethrows in the caller, the first by task order.
 */
final class ParallelSearches {

  private static final ExecutorService HELPERS = Executors.newCachedThreadPool(task -> {
    Thread t = new Thread(task, "linearizability-search");
    t.setDaemon(true);
    return t;
  });

  private ParallelSearches() {}

  /** {@code search} applied to every task, on at most {@code threads} threads; results in task order. */
  static <T, R> List<R> map(List<T> tasks, ToIntFunction<T> size, Function<T, R> search, int threads) {
    int n = tasks.size();
    Object[] results = new Object[n];
    Throwable[] failures = new Throwable[n];
    int[] order = IntStream.range(0, n).boxed()
        .sorted(Comparator.comparingInt((Integer i) -> size.applyAsInt(tasks.get(i))).reversed())
        .mapToInt(Integer::intValue).toArray();
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(n);
    Runnable worker = () -> {
      for (int k = next.getAndIncrement(); k < n; k = next.getAndIncrement()) {
        int task = order[k];
        try {
          results[task] = search.apply(tasks.get(task));
        } catch (RuntimeException | Error e) {
          failures[task] = e;
        } finally {
          done.countDown();
        }
      }
    };
    for (int h = 1; h < Math.min(threads, n); h++) {
      HELPERS.execute(worker);
    }
    worker.run();
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted while searching");
    }
    for (Throwable failure : failures) {
      if (failure instanceof RuntimeException r) {
        throw r;
      }
      if (failure instanceof Error error) {
        throw error;
      }
    }
    @SuppressWarnings("unchecked")
    List<R> list = (List<R>) Arrays.asList(results);
    return Collections.unmodifiableList(list);
  }
}
