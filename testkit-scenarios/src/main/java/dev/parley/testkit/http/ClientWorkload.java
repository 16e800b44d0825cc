package dev.parley.testkit.http;

import dev.parley.protocols.history.HistoryRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every workload of this package shares: its name, its history and observed answers, the flag
 * its client loops run under, its count of operations completed ok, and one pool of threads with a
 * loop per client, each client with its own seeded {@link Random} and first node. A workload says
 * which clients it has ({@link #clients}), may prepare before they start ({@link #beforeClients}),
 * and judges what they recorded once they have stopped ({@link #judge}).
 */
abstract class ClientWorkload implements Workload {

  /** One client's loop, given its name, its randomness and the index of its first node. */
  @FunctionalInterface
  interface Loop {
    void run(String client, Random random, int home);
  }

  /** The clients of a workload: for each kind, a name prefix, how many, and their loop. */
  static final class Plan {
    private record Kind(String prefix, int count, Loop loop) {}

    private final List<Kind> kinds = new ArrayList<>();

    /** {@code count} clients named {@code prefix}1, {@code prefix}2, ..., each running {@code loop}. */
    Plan add(String prefix, int count, Loop loop) {
      kinds.add(new Kind(prefix, count, loop));
      return this;
    }

    int size() {
      return kinds.stream().mapToInt(Kind::count).sum();
    }
  }

  protected final HistoryRecorder history = new HistoryRecorder();
  protected final Observations seen;
  protected final AtomicBoolean running = new AtomicBoolean();
  protected final AtomicLong ok = new AtomicLong();
  protected HttpNodes nodes;
  private final String name;
  private ExecutorService pool;

  protected ClientWorkload(String name) {
    this.name = name;
    this.seen = new Observations(name);
  }

  @Override
  public final String name() {
    return name;
  }

  /** The clients to start. */
  protected abstract Plan clients();

  /** Anything to do once {@link #nodes} is known, before the clients start (a subscription, keys). */
  protected void beforeClients() {}

  /** Checks what the clients recorded, once they have stopped; {@code max} bounds any final reads. */
  protected abstract WorkloadResult judge(Duration max);

  @Override
  public final void start(HttpNodes nodes, long seed) {
    this.nodes = nodes;
    running.set(true);
    beforeClients();
    Plan plan = clients();
    pool = Loops.pool(name.replace(' ', '-'), plan.size());
    int n = 0;
    for (Plan.Kind kind : plan.kinds) {
      for (int i = 1; i <= kind.count(); i++, n++) {
        String client = kind.prefix() + i;
        Random random = new Random(seed * 1_000_003 + n);
        int home = n;
        pool.submit(() -> kind.loop().run(client, random, home));
      }
    }
  }

  @Override
  public final long ok() {
    return ok.get();
  }

  @Override
  public void stopIssuing() {
    running.set(false);
  }

  @Override
  public final WorkloadResult finish(Duration max) {
    stopIssuing();
    Loops.finish(pool, max);
    return judge(max);
  }
}
