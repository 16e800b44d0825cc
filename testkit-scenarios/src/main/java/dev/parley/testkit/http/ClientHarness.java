package dev.parley.testkit.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A Jepsen-style client harness at the HTTP level: {@link Workload}s of concurrent clients, one
 * per protocol instance (such as {@link KvClients}, {@link LogClients}, {@link LockClients}, {@link
 * BrokerClients}), run against a cluster's nodes, each recording the history its clients saw; on
 * {@link #stop()} each is judged by its checkers and by the HTTP contract. Faults come from a
 * {@link Nemesis} meanwhile.
 *
 * <pre>{@code
 * ClientHarness harness = ClientHarness.over(addresses)
 *     .with(new KvClients("kv")).with(new LogClients("log")).start(42);
 * ... // nemesis
 * harness.stop().requireValid();
 * }</pre>
 *
 * <p>Model: clients see the nodes only through HTTP; a node that is down refuses connections,
 * which a client takes as "not sent" and moves on. Everything is bounded: a connection gets 1 s,
 * a request a bounded time, each workload a fixed pool of threads, and {@link #stop()} waits for
 * each workload at most {@code finishWithin} (plus its final reads) before judging what was
 * recorded, an operation still open then counting as of unknown outcome. Cost: the threads of the
 * workloads, and their checkers' time at the end.
 */
public final class ClientHarness implements AutoCloseable {

  private final HttpNodes nodes;
  private final List<Workload> workloads = new ArrayList<>();
  private Nemesis nemesis;
  private Duration finishWithin = Duration.ofSeconds(15);
  private long startedAt;
  private boolean started;
  private HarnessReport report;

  private ClientHarness(HttpNodes nodes) {
    this.nodes = nodes;
  }

  /** A harness over the nodes whose HTTP APIs are at {@code addresses} (host:port, n1 first). */
  public static ClientHarness over(List<String> addresses) {
    return new ClientHarness(new HttpNodes(addresses));
  }

  public ClientHarness with(Workload workload) {
    if (started) {
      throw new IllegalStateException("add workloads before start");
    }
    workloads.add(workload);
    return this;
  }

  /** The nemesis whose timeline the report shows. */
  public ClientHarness with(Nemesis n) {
    this.nemesis = n;
    return this;
  }

  /** How long {@link #stop()} lets each workload's clients finish their operations in flight. */
  public ClientHarness finishWithin(Duration d) {
    this.finishWithin = d;
    return this;
  }

  public HttpNodes nodes() {
    return nodes;
  }

  /** Starts every workload, each drawing its choices from {@code seed}. */
  public ClientHarness start(long seed) {
    started = true;
    startedAt = System.nanoTime();
    for (Workload w : workloads) {
      w.start(nodes, seed);
    }
    return this;
  }

  /** Operations completed ok so far, by workload. */
  public Map<String, Long> ok() {
    Map<String, Long> out = new LinkedHashMap<>();
    workloads.forEach(w -> out.put(w.name(), w.ok()));
    return out;
  }

  /** The fewest operations completed ok so far by any workload. */
  public long leastOk() {
    return workloads.stream().mapToLong(Workload::ok).min().orElse(0);
  }

  /**
   * Stops every workload (none issues anything new from now on), lets them finish at once in
   * parallel, and returns what their checkers found. A second call returns the same report.
   */
  public synchronized HarnessReport stop() {
    if (report != null) {
      return report;
    }
    Duration load = Duration.ofNanos(System.nanoTime() - startedAt);
    workloads.forEach(Workload::stopIssuing);
    ExecutorService finishing = Loops.pool("harness-finish", workloads.size());
    List<Future<WorkloadResult>> results = new ArrayList<>();
    for (Workload w : workloads) {
      results.add(finishing.submit(() -> w.finish(finishWithin)));
    }
    List<WorkloadResult> done = new ArrayList<>();
    try {
      for (Future<WorkloadResult> f : results) {
        done.add(f.get(finishWithin.multipliedBy(4).toMillis(), TimeUnit.MILLISECONDS));
      }
    } catch (Exception e) {
      throw new IllegalStateException("a workload did not finish within " + finishWithin.multipliedBy(4), e);
    } finally {
      finishing.shutdownNow();
      nodes.close();
    }
    report = new HarnessReport(done, nemesis == null ? List.of() : nemesis.timeline(), load);
    return report;
  }

  @Override
  public void close() {
    if (started && report == null) {
      stop();
    }
  }
}
