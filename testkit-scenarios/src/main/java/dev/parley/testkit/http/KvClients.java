package dev.parley.testkit.http;

import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.checker.Verdict;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Clients of a key-value store's HTTP API ({@code GET|PUT /kv/{store}/{key}}, {@code POST
 * .../cas}), each recording what it saw in one history that the linearizability checker judges.
 *
 * <p>Model: put, get and cas on a few shared keys, every value written unique (so an effect shows
 * whose it was). <b>Named</b> clients ({@code client=NAME&seq=N}) retry an operation of unknown
 * outcome (a 504, a 503 that does not say "does not serve", a timeout, a lost connection) with the
 * same client, seq and request, at the next node, until a definite answer or {@link
 * Settings#retryFor}: the retried operation is one operation, invoked at its first attempt and
 * completed by its final answer. Every client moves to the next node now and then, so that every
 * node serves every kind of client. <b>Reordering</b> clients send {@link Settings#batch} requests at
 * once under consecutive seqs, in shuffled order. <b>Anonymous</b> clients name no request and do
 * not retry. <b>Hostile</b> clients do what named ones do on a key of their own, and between those
 * send a different write under a seq the store already answered (expected: 409 {@code id-reused}
 * or {@code seq-forgotten}; recorded as failed, as the contract says it has no effect whatever the
 * answer) or a malformed request ({@code timeout=abc}, {@code seq=0}, {@code seq=abc}, {@code
 * client=} empty, an unknown parameter; expected: 400, recorded failed), each followed by a read,
 * so that any effect of a refused request shows. At the end every key is read once more.
 *
 * <p>How answers are recorded: 200 ok; 409 {@code cas-failed} fail; a refusal, a 307 not
 * followed, 400, 404, 409 {@code id-reused}, or a 503 "does not serve" fail when no earlier attempt
 * of the operation was unknown, else the operation is retried; 409 {@code seq-forgotten} after an
 * unknown attempt info. The history records what was answered, so a 200 to a request the contract
 * says must be refused is recorded ok: the checker then finds whether it took effect.
 *
 * <p>Checked: linearizability of the history ({@link LinearizabilityChecker#forRegisters()}) and
 * the HTTP contract (every answer one the contract allows for the request: a 409 for a reused id,
 * a 400 for a malformed request, the fields a 200 carries). Cost: one request per attempt; the
 * checker's search grows with the operations of unknown outcome on one key.
 */
public final class KvClients extends ClientWorkload {

  /**
   * @param store the store's instance name ({@code --protocol kv=raft-kv}: {@code kv})
   * @param named named clients, each running one operation at a time
   * @param reordering reordering clients, each running {@code batch} operations at a time
   * @param batch how many requests a reordering client sends at once
   * @param anonymous anonymous clients
   * @param hostile hostile clients
   * @param keys how many shared keys ({@code k1}, {@code k2}, ...)
   * @param timeout the {@code timeout} a request asks for; the client waits a second more
   * @param retryFor how long a named client retries an operation of unknown outcome
   * @param pause between a client's operations
   */
  public record Settings(String store, int named, int reordering, int batch, int anonymous, int hostile, int keys,
      Duration timeout, Duration retryFor, Duration pause) {

    /** Two named, one reordering (3 at once), one anonymous and one hostile client on 5 keys. */
    public static Settings of(String store) {
      return new Settings(store, 2, 1, 3, 1, 1, 5, Duration.ofMillis(1500), Duration.ofSeconds(8),
          Duration.ofMillis(20));
    }
  }

  private enum Kind { OK, FAIL, NONE, UNKNOWN, FORGOTTEN }

  private record Outcome(Kind kind, Object value, String why) {}

  /** One request: get, put or cas on a key. */
  private record Req(String f, String key, String value, String expected) {
    Object historyValue() {
      return switch (f) {
        case "put" -> value;
        case "cas" -> Arrays.asList(expected, value);
        default -> null;
      };
    }

    boolean write() {
      return !f.equals("get");
    }
  }

  private final Settings settings;
  private final List<String> keys = new ArrayList<>();
  private ExecutorService sends;

  public KvClients(Settings settings) {
    super("kv " + settings.store());
    this.settings = settings;
  }

  public KvClients(String store) {
    this(Settings.of(store));
  }

  @Override
  protected void beforeClients() {
    for (int k = 1; k <= settings.keys(); k++) {
      keys.add("k" + k);
    }
    for (int i = 1; i <= settings.hostile(); i++) {
      keys.add("h" + i + "-own");
    }
    sends = Loops.pool("kv-send", settings.reordering() * settings.batch());
  }

  @Override
  protected Plan clients() {
    return new Plan()
        .add("c", settings.named(), this::namedLoop)
        .add("r", settings.reordering(), this::reorderingLoop)
        .add("a", settings.anonymous(), this::anonymousLoop)
        .add("h", settings.hostile(), this::hostileLoop);
  }

  @Override
  protected WorkloadResult judge(Duration max) {
    Loops.finish(sends, Duration.ofSeconds(1));
    finalReads();
    History h = history.history();
    List<Verdict> verdicts = List.of(LinearizabilityChecker.forRegisters().check(h), seen.contract());
    return new WorkloadResult(name(), Summary.of(name(), h, seen), verdicts, h);
  }

  /** Reads every key once more, so the last write of each is seen. */
  private void finalReads() {
    int[] at = {0};
    long seq = 0;
    for (String key : keys) {
      named("final", "final", ++seq, new Req("get", key, null, null), at, true);
    }
  }

  // ---------------------------------------------------------------- the clients

  private void namedLoop(String client, Random random, int home) {
    Map<String, String> last = new ConcurrentHashMap<>();
    int[] at = {home};
    long seq = 0;
    while (Loops.going(running)) {
      seq++;
      Req r = next(client, seq, random, last, pick(random));
      remember(r, named(client, client, seq, r, at, false), last);
      at[0] += Loops.roam(random);
      Loops.pause(settings.pause());
    }
  }

  private void reorderingLoop(String client, Random random, int home) {
    Map<String, String> last = new ConcurrentHashMap<>();
    long seq = 0;
    int batch = settings.batch();
    while (Loops.going(running)) {
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        order.add(i);
      }
      Collections.shuffle(order, random);
      List<Future<?>> sent = new ArrayList<>();
      long base = seq;
      seq += batch;
      for (int slot : order) {
        long s = base + 1 + slot;
        Req r = next(client, s, random, last, pick(random));
        int[] at = {home + slot};
        sent.add(sends.submit(() -> remember(r, named(client, client + "." + slot, s, r, at, false), last)));
        Loops.pause(random.nextInt(10));
      }
      if (!awaitAll(sent)) {
        return; // a slot still in flight cannot be reused: this client stops
      }
      home += Loops.roam(random);
      Loops.pause(settings.pause());
    }
  }

  private boolean awaitAll(List<Future<?>> sent) {
    long deadline = System.nanoTime() + settings.retryFor().plus(httpTimeout().multipliedBy(2)).toNanos();
    for (Future<?> f : sent) {
      try {
        f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (Exception e) {
        return false;
      }
    }
    return true;
  }

  private void anonymousLoop(String client, Random random, int home) {
    int at = home;
    long n = 0;
    Map<String, String> last = new ConcurrentHashMap<>();
    while (Loops.going(running)) {
      Req r = next(client, ++n, random, last, pick(random));
      HistoryRecorder.Handle h = history.invoke(client, r.f(), r.key(), r.historyValue());
      Answer a = seen.count(nodes.send(http(at, r, "?timeout=" + settings.timeout().toMillis())));
      Outcome o = classify(r, a);
      switch (o.kind()) {
        case OK -> succeeded(h, r, o);
        case FAIL, NONE -> history.fail(h, o.why());
        case FORGOTTEN -> {
          seen.breach("409 seq-forgotten to a request without client", a.show());
          history.fail(h, o.why());
        }
        case UNKNOWN -> history.info(h, o.why());
      }
      remember(r, o, last);
      if (o.kind() != Kind.OK) {
        at++;
      }
      at += Loops.roam(random);
      Loops.pause(settings.pause());
    }
  }

  /**
   * Named operations on its own key (and now and then a shared one), and between them a different
   * write under an answered seq, or a malformed request, each followed by a read of its key.
   */
  private void hostileLoop(String client, Random random, int home) {
    String own = client + "-own";
    Map<String, String> last = new ConcurrentHashMap<>();
    int[] at = {home};
    long seq = 0;
    long answeredWrite = 0;
    long n = 0;
    while (Loops.going(running)) {
      double p = random.nextDouble();
      if (p < 0.5 || answeredWrite == 0) {
        seq++;
        Req r = next(client, seq, random, last, random.nextDouble() < 0.75 ? own : pick(random));
        Outcome o = named(client, client, seq, r, at, false);
        remember(r, o, last);
        if (r.write() && (o.kind() == Kind.OK || o.kind() == Kind.FAIL)) {
          answeredWrite = seq;
        }
      } else {
        Req r = random.nextBoolean() ? new Req("put", own, client + "-bad-" + (++n), null)
            : new Req("cas", own, client + "-bad-" + (++n), last.get(own));
        if (p < 0.75) {
          reuse(client, answeredWrite, r, at[0]);
        } else {
          seq++;
          malformed(client, seq, r, at[0], random);
        }
        seq++;
        Req read = new Req("get", own, null, null);
        remember(read, named(client, client, seq, read, at, false), last);
      }
      at[0] += Loops.roam(random);
      Loops.pause(settings.pause());
    }
  }

  /** A different write under {@code seq}, which the store answered for another request. */
  private void reuse(String client, long seq, Req r, int at) {
    HistoryRecorder.Handle h = history.invoke(client, r.f(), r.key(), r.historyValue());
    Answer a = seen.count(nodes.send(http(at, r, query(client, seq))));
    String conflict = a.conflict();
    if (a.success()) {
      seen.breach(a.status() + " to a different request under a used (client, seq)", r + " under seq " + seq + ": "
          + a.show());
      succeeded(h, r, classify(r, a));
      return;
    }
    if (a.is(400) || a.is(404) || a.is(409) && !"id-reused".equals(conflict) && !"seq-forgotten".equals(conflict)) {
      seen.breach(a.label() + " to a different request under a used (client, seq)", r + " under seq " + seq + ": "
          + a.show());
    }
    history.fail(h, "id reused: " + a.label());
  }

  /** A write with a malformed parameter: the contract says 400 and no effect. */
  private void malformed(String client, long seq, Req r, int at, Random random) {
    String t = "&timeout=" + settings.timeout().toMillis();
    String[] queries = {
      "?client=" + client + "&seq=" + seq + "&timeout=abc",
      "?client=" + client + "&seq=0" + t,
      "?client=" + client + "&seq=abc" + t,
      "?client=&seq=" + seq + t,
      "?client=" + client + "&seq=" + seq + t + "&bogus=1",
    };
    String query = queries[random.nextInt(queries.length)];
    HistoryRecorder.Handle h = history.invoke(client, r.f(), r.key(), r.historyValue());
    Answer a = seen.count(nodes.send(http(at, r, query)));
    if (a.is(400)) {
      history.fail(h, "400 " + a.error());
      return;
    }
    if (a.answered() && !a.is(503)) {
      seen.breach(a.status() + " to a malformed request", r + " with " + query + ": " + a.show());
    }
    if (a.success()) {
      succeeded(h, r, classify(r, a));
    } else if (a.failure() == Answer.Failure.REFUSED || a.doesNotServe()) {
      history.fail(h, a.label());
    } else {
      history.info(h, a.label());
    }
  }

  // ---------------------------------------------------------------- one named operation

  /**
   * Runs {@code r} as {@code client}'s request {@code seq}, recorded under {@code process}: retried
   * with the same seq while its outcome is unknown, for {@link Settings#retryFor} (or until the
   * workload stops, unless {@code finalRead}).
   */
  private Outcome named(String client, String process, long seq, Req r, int[] at, boolean finalRead) {
    HistoryRecorder.Handle h = history.invoke(process, r.f(), r.key(), r.historyValue());
    long deadline = System.nanoTime() + settings.retryFor().toNanos();
    boolean uncertain = false;
    String query = query(client, seq);
    while (true) {
      Answer a = seen.count(nodes.send(http(at[0], r, query)));
      Outcome o = classify(r, a);
      switch (o.kind()) {
        case OK -> {
          succeeded(h, r, o);
          return o;
        }
        case FAIL -> {
          history.fail(h, o.why());
          return o;
        }
        case FORGOTTEN -> {
          return complete(h, uncertain, o);
        }
        case NONE -> {
          if (!uncertain) {
            at[0]++;
            return complete(h, false, o);
          }
        }
        case UNKNOWN -> uncertain = true;
      }
      at[0]++;
      boolean more = (finalRead || running.get()) && System.nanoTime() < deadline;
      if (!more || !Loops.pause(100)) {
        return complete(h, true, new Outcome(Kind.UNKNOWN, null, "no definite answer: " + o.why()));
      }
    }
  }

  private Outcome complete(HistoryRecorder.Handle h, boolean uncertain, Outcome o) {
    if (uncertain) {
      history.info(h, o.why());
      return new Outcome(Kind.UNKNOWN, null, o.why());
    }
    history.fail(h, o.why());
    return o;
  }

  private void succeeded(HistoryRecorder.Handle h, Req r, Outcome o) {
    if (r.f().equals("get")) {
      history.ok(h, o.value());
    } else {
      history.ok(h);
    }
    ok.incrementAndGet();
  }

  /** What an answer means for {@code r}, and any breach of the contract it shows. */
  private Outcome classify(Req r, Answer a) {
    if (!a.answered()) {
      return new Outcome(a.failure() == Answer.Failure.REFUSED ? Kind.NONE : Kind.UNKNOWN, null, a.show());
    }
    int s = a.status();
    if (s == 200) {
      if (r.f().equals("get")) {
        if (!a.has("value")) {
          seen.breach("200 to get without \"value\"", a.show());
          return new Outcome(Kind.UNKNOWN, null, "200 without value");
        }
        return new Outcome(Kind.OK, a.text("value"), null);
      }
      String written = a.text("written");
      if (written == null && r.f().equals("put")) {
        seen.breach("200 to put without \"written\"", a.show());
      } else if (written != null && !written.equals(r.value())) {
        seen.breach("200 to " + r.f() + " of one value saying another was written", r + ": " + a.show());
      }
      return new Outcome(Kind.OK, r.value(), null);
    }
    if (s == 409) {
      String conflict = a.conflict();
      if (r.f().equals("cas") && ("cas-failed".equals(conflict) || conflict == null && a.has("current"))) {
        if (conflict == null) {
          seen.breach("409 to cas without \"conflict\":\"cas-failed\"", a.show());
        }
        return new Outcome(Kind.FAIL, null, "cas failed");
      }
      if ("seq-forgotten".equals(conflict)) {
        return new Outcome(Kind.FORGOTTEN, null, "409 seq-forgotten");
      }
      seen.breach("409 " + conflict + " to " + r.f() + " sent only under its own (client, seq)", r + ": " + a.show());
      return new Outcome(Kind.NONE, null, a.label());
    }
    if (s == 400 || s == 404) {
      seen.breach(s + " to a well-formed " + r.f(), r + ": " + a.show());
      return new Outcome(Kind.NONE, null, a.label());
    }
    if (s == 307 || a.doesNotServe()) {
      return new Outcome(Kind.NONE, null, a.label() + " " + a.error());
    }
    if (s != 503 && s != 504) {
      seen.breach(s + " to " + r.f(), r + ": " + a.show());
    }
    return new Outcome(Kind.UNKNOWN, null, a.label() + " " + a.error());
  }

  // ---------------------------------------------------------------- requests

  private Req next(String client, long n, Random random, Map<String, String> last, String key) {
    String value = client + "-" + n;
    double p = random.nextDouble();
    if (p < 0.4) {
      return new Req("put", key, value, null);
    }
    if (p < 0.6) {
      return new Req("cas", key, value, random.nextDouble() < 0.8 ? last.get(key) : null);
    }
    return new Req("get", key, null, null);
  }

  private String pick(Random random) {
    return "k" + (1 + random.nextInt(settings.keys()));
  }

  /** Keeps the last value {@code r} saw or wrote of its key, for the client's next cas. */
  private static void remember(Req r, Outcome o, Map<String, String> last) {
    if (o.kind() != Kind.OK) {
      return;
    }
    String v = r.write() ? r.value() : (String) o.value();
    if (v == null) {
      last.remove(r.key());
    } else {
      last.put(r.key(), v);
    }
  }

  private String query(String client, long seq) {
    return "?client=" + HttpNodes.enc(client) + "&seq=" + seq + "&timeout=" + settings.timeout().toMillis();
  }

  private Duration httpTimeout() {
    return settings.timeout().plusSeconds(1);
  }

  private HttpRequest http(int node, Req r, String query) {
    String path = "/kv/" + HttpNodes.enc(settings.store()) + "/" + HttpNodes.enc(r.key())
        + (r.f().equals("cas") ? "/cas" : "") + query;
    HttpRequest.Builder b = nodes.request(node, path, httpTimeout());
    return switch (r.f()) {
      case "put" -> b.header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofString(r.value())).build();
      case "cas" -> b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
          "{\"expected\":" + (r.expected() == null ? "null" : "\"" + r.expected() + "\"") + ",\"value\":\""
              + r.value() + "\"}")).build();
      default -> b.GET().build();
    };
  }
}
