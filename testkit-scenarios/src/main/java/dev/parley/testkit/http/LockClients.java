package dev.parley.testkit.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.testkit.checker.LockEvent;
import dev.parley.testkit.checker.MutualExclusionChecker;
import dev.parley.testkit.checker.Verdict;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Clients of a lock over HTTP ({@code POST /protocols/{lock}/acquire?client=C&timeout=MS} and
 * {@code .../release?client=C}), each holding the lock briefly, judged by the {@link
 * MutualExclusionChecker} on the intervals the clients know they held it.
 *
 * <p>Model: <b>named</b> clients, each at one of the nodes {@link Settings#acquireAt} (a lock
 * server's clients: not its own node) and now and then, or when that node is down, the next, and
 * <b>anonymous</b> clients, which take the name the answer gives them, loop: acquire, hold for a
 * random while within {@link Settings#holdMin} and {@link Settings#holdMax} (well inside the
 * server's lease), release at the same node. A client knows it held the lock from the moment the
 * acquire's 200 came (with its fencing token) until it sent the release, if the release was
 * answered 2xx (a retried release counts when any attempt was); such an interval is inside the
 * true one, so two that overlap are two holders at once. An acquire of unknown outcome (no answer,
 * a 503 that does not say "does not serve", a 200 without a token) is followed by a release, so
 * the client does not keep a lock it does not know it has; neither counts.
 *
 * <p>Checked (times in counterexamples: ns since the workload was made): mutual exclusion over
 * those intervals (safety, and fencing: tokens increase from grant to grant) with {@code
 * MutualExclusionChecker.create().withoutFairness()}; every token granted, to whichever client,
 * distinct; and the HTTP contract (200 with {@code fencingToken} to an acquire, 504 when not
 * granted in time, 200 or 409 {@code not-holder} to a release). Cost: two requests per acquire
 * and release; the checkers are linear.
 */
public final class LockClients extends ClientWorkload {

  /**
   * @param lock the lock's instance name ({@code --protocol locks=lock-server}: {@code locks})
   * @param acquireAt the nodes (indexes, 0 is n1) where clients acquire; clients are spread over them
   * @param timeout the {@code timeout} an acquire asks for
   * @param holdMin shortest hold
   * @param holdMax longest hold; keep it well below the lease (a lock server's is about 10 s)
   * @param pause between a client's release and its next acquire
   */
  public record Settings(String lock, int named, int anonymous, List<Integer> acquireAt, Duration timeout,
      Duration holdMin, Duration holdMax, Duration pause) {

    public Settings {
      acquireAt = List.copyOf(acquireAt);
      if (acquireAt.isEmpty()) {
        throw new IllegalArgumentException("no node to acquire at");
      }
    }

    /** Three named and one anonymous client at n2 and n3, holding 50-300 ms. */
    public static Settings of(String lock) {
      return new Settings(lock, 3, 1, List.of(1, 2), Duration.ofMillis(2000), Duration.ofMillis(50),
          Duration.ofMillis(300), Duration.ofMillis(50));
    }
  }

  /** One grant a client saw: who, with which token, when the 200 came, and when it sent the release (-1: not confirmed). */
  record Grant(String client, long token, long grantedAt, long releasedAt) {}

  private final Settings settings;
  private final List<Grant> grants = new ArrayList<>();
  /** Grant and release times are in ns from here: when the workload was made. */
  private final long origin = System.nanoTime();

  public LockClients(Settings settings) {
    super("lock " + settings.lock());
    this.settings = settings;
  }

  public LockClients(String lock) {
    this(Settings.of(lock));
  }

  @Override
  protected Plan clients() {
    return new Plan()
        .add("L", settings.named(), (client, random, home) -> loop(client, true, random, home))
        .add("anon", settings.anonymous(), (client, random, home) -> loop(client, false, random, home));
  }

  @Override
  protected WorkloadResult judge(Duration max) {
    History h = history.history();
    List<Grant> all;
    synchronized (this) {
      all = List.copyOf(grants);
    }
    List<Verdict> verdicts = List.of(
        MutualExclusionChecker.create().withoutFairness().check(events(all)),
        distinctTokens(all),
        seen.contract());
    return new WorkloadResult(name(), Summary.of(name(), h, seen), verdicts, h);
  }

  // ---------------------------------------------------------------- the clients

  /** One client's cycles of acquire, hold, release, at node {@code acquireAt[first]}, now and then the next. */
  private void loop(String process, boolean named, Random random, int first) {
    long n = 0;
    int i = first;
    while (Loops.going(running)) {
      int home = settings.acquireAt().get(Math.floorMod(i, settings.acquireAt().size()));
      i += Loops.roam(random);
      String label = named ? process : process + "-" + (++n);
      HistoryRecorder.Handle h = history.invoke(process, "acquire", settings.lock(), named ? process : null);
      String query = "?timeout=" + settings.timeout().toMillis() + (named ? "&client=" + HttpNodes.enc(process) : "");
      Answer a = seen.count(nodes.send(post(home, "acquire", query, settings.timeout().plusSeconds(2))));
      long answeredAt = System.nanoTime() - origin;
      Long token = token(a);
      String holder = a.text("client") != null ? a.text("client") : named ? process : null;
      if (a.is(200) && token != null) {
        if (named && !process.equals(a.text("client")) && a.has("client")) {
          seen.breach("200 to an acquire naming another client", process + ": " + a.show());
        }
        if (!named && !a.has("client")) {
          seen.breach("200 to an anonymous acquire without the client's name", a.show());
        }
        history.ok(h, token);
        ok.incrementAndGet();
        Loops.pause(settings.holdMin().toMillis()
            + random.nextLong(Math.max(1, settings.holdMax().minus(settings.holdMin()).toMillis())));
        long releasedAt = System.nanoTime() - origin;
        boolean released = release(process, holder, home, true);
        record(new Grant(holder != null ? holder : label, token, answeredAt, released ? releasedAt : -1));
      } else {
        acquireFailed(process, h, a, holder, home);
        if (a.failure() == Answer.Failure.REFUSED) {
          i++; // the node is down: try the next
        }
        Loops.pause(100);
      }
      Loops.pause(settings.pause());
    }
  }

  private void acquireFailed(String process, HistoryRecorder.Handle h, Answer a, String holder, int home) {
    if (a.is(200)) {
      seen.breach("200 to an acquire without a fencing token", a.show());
    } else if (a.is(409) && !"already-holds".equals(a.conflict()) && !"already-waiting".equals(a.conflict())
        || a.is(400) || a.is(404)) {
      seen.breach(a.label() + " to an acquire", a.show());
    } else if (a.answered() && a.status() != 503 && a.status() != 504 && a.status() != 409 && a.status() != 307) {
      seen.breach(a.status() + " to an acquire", a.show());
    }
    boolean noEffect = a.failure() == Answer.Failure.REFUSED || a.is(504) || a.doesNotServe()
        || a.answered() && a.status() / 100 == 4;
    if (noEffect) {
      history.fail(h, a.label());
    } else {
      history.info(h, a.show());
    }
    if (a.is(409) && "already-holds".equals(a.conflict()) || !noEffect) {
      release(process, holder, home, false);
    }
  }

  /**
   * Releases, retried at the same node while the answer is unknown (bounded); whether an attempt
   * was answered 2xx. {@code held}: the client knows it holds the lock (a release it does not
   * confirm is then worth noting in the history).
   */
  private boolean release(String process, String holder, int home, boolean held) {
    HistoryRecorder.Handle h = history.invoke(process, "release", settings.lock(), holder);
    String query = holder == null ? "" : "?client=" + HttpNodes.enc(holder);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      Answer a = seen.count(nodes.send(post(home, "release", query, Duration.ofSeconds(3))));
      if (a.success()) {
        if (!a.is(200)) {
          seen.breach(a.status() + " to a release (the contract says 200 or 409)", a.show());
        } else if (held && !a.has("fencingToken")) {
          seen.breach("200 to a release without its fencing token", a.show());
        }
        history.ok(h);
        return true;
      }
      if (a.is(409) || a.is(400) || a.is(404)) {
        if (!a.is(409) || !"not-holder".equals(a.conflict())) {
          seen.breach(a.label() + " to a release", a.show());
        }
        history.fail(h, a.label());
        return false;
      }
      if (a.answered() && a.status() != 503 && a.status() != 504) {
        seen.breach(a.status() + " to a release", a.show());
      }
      if (System.nanoTime() > deadline || !Loops.pause(200)) {
        history.info(h, a.show());
        return false;
      }
    }
  }

  private HttpRequest post(int node, String op, String query, Duration timeout) {
    return nodes.request(node, "/protocols/" + HttpNodes.enc(settings.lock()) + "/" + op + query, timeout)
        .POST(HttpRequest.BodyPublishers.noBody()).build();
  }

  /** The fencing token of a grant, wherever the answer carries it; null if none. */
  private static Long token(Answer a) {
    if (a.body() == null) {
      return null;
    }
    JsonNode t = a.body().findValue("fencingToken");
    return t == null || !t.canConvertToLong() ? null : t.asLong();
  }

  private synchronized void record(Grant g) {
    grants.add(g);
  }

  // ---------------------------------------------------------------- checking

  /** Grant and release events of the confirmed intervals, ordered by time (a release first on a tie). */
  static List<LockEvent> events(List<Grant> grants) {
    List<LockEvent> events = new ArrayList<>();
    for (Grant g : grants) {
      if (g.releasedAt() >= 0) {
        NodeId who = nodeId(g.client());
        events.add(LockEvent.grant(who, g.grantedAt(), g.token()));
        events.add(LockEvent.release(who, g.releasedAt()));
      }
    }
    events.sort(Comparator.comparingLong(LockEvent::timeNanos)
        .thenComparing(e -> e.kind() == LockEvent.Kind.RELEASE ? 0 : 1));
    return events;
  }

  /** Every token granted went to one grant only. */
  static Verdict distinctTokens(List<Grant> grants) {
    String name = "lock: fencing tokens distinct";
    Map<Long, Grant> byToken = new HashMap<>();
    List<String> lines = new ArrayList<>();
    int clashes = 0;
    for (Grant g : grants) {
      Grant before = byToken.putIfAbsent(g.token(), g);
      if (before != null) {
        clashes++;
        if (lines.size() < 10) {
          lines.add("token " + g.token() + " granted to " + before.client() + " at t=" + before.grantedAt()
              + " and to " + g.client() + " at t=" + g.grantedAt());
        }
      }
    }
    if (clashes == 0) {
      return Verdict.valid(name, grants.size() + " grants, each with its own token");
    }
    return Verdict.invalid(name, clashes + " grant(s) with a token granted before", lines);
  }

  /** A client's name as a node id: letters, digits, '-' and '_' kept, anything else '_', at most 64. */
  static NodeId nodeId(String client) {
    String s = client.replaceAll("[^A-Za-z0-9_-]", "_");
    return NodeId.of(s.isEmpty() ? "_" : s.length() > 64 ? s.substring(0, 64) : s);
  }
}
