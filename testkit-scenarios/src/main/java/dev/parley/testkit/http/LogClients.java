package dev.parley.testkit.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.testkit.checker.LogChecker;
import dev.parley.testkit.checker.Verdict;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Collectors;

/**
 * Clients of a partitioned log's HTTP API ({@code POST /log/{log}/topics/{topic}?key=K}, {@code GET
 * .../partitions/{p}?from=F&max=M}) on one topic, judged by the {@link LogChecker}.
 *
 * <p>Model: <b>appenders</b> append unique values under a few keys, once each: an append is never
 * retried (appends are at-least-once, so a retry could write the record twice), so an append of
 * unknown outcome (504, a 503 that does not say "does not serve", a timeout, a lost connection)
 * stays unknown. <b>Readers</b> read the partitions, mostly the last records acknowledged, now and
 * then from offset 0. A <b>hostile</b> client appends unique values with a malformed {@code timeout}
 * ({@code abc}, {@code 12x}, {@code 0x10}; expected: 400 and no effect, recorded as failed appends,
 * so the checker finds any that took effect), and reads with a malformed partition or offset
 * ({@code 4294967296}, {@code from=abc}; expected: 400; {@code -1}: 400 or 404) or a partition the
 * topic lacks (expected: 404). At the end every partition is read from offset 0 to its end.
 *
 * <p>How answers are recorded: 200 ok (with partition and offset); a refusal, a 307 not followed,
 * 4xx, or a 503 "does not serve" failed; anything else unknown. Checked: the {@link LogChecker}
 * (acknowledged appends read where acknowledged, agreement, real-time order, failed appends never
 * read, no phantoms) and the HTTP contract. Cost: one request per operation; the checker is
 * O(appends * reads).
 */
public final class LogClients extends ClientWorkload {

  /**
   * @param log the log's instance name ({@code --protocol log=partitioned-log}: {@code log})
   * @param topic the topic appended to; it should be used by these clients only
   * @param partitions how many partitions the topic has
   * @param timeout the {@code timeout} a request asks for; the client waits a second more
   * @param pause between a client's operations
   */
  public record Settings(String log, String topic, int appenders, int readers, int hostile, int partitions,
      Duration timeout, Duration pause) {

    /** Two appenders, one reader and one hostile client on topic {@code events} of 4 partitions. */
    public static Settings of(String log) {
      return new Settings(log, "events", 2, 1, 1, 4, Duration.ofMillis(1500), Duration.ofMillis(20));
    }
  }

  private final Settings settings;
  private final List<LogChecker.Append> appends = new ArrayList<>();
  private final List<LogChecker.Read> reads = new ArrayList<>();
  private final AtomicLongArray highest;

  public LogClients(Settings settings) {
    super("log " + settings.log());
    this.settings = settings;
    this.highest = new AtomicLongArray(settings.partitions());
    for (int p = 0; p < settings.partitions(); p++) {
      highest.set(p, -1);
    }
  }

  public LogClients(String log) {
    this(Settings.of(log));
  }

  @Override
  protected Plan clients() {
    return new Plan()
        .add("w", settings.appenders(), this::appendLoop)
        .add("rd", settings.readers(), this::readLoop)
        .add("x", settings.hostile(), this::hostileLoop);
  }

  @Override
  protected WorkloadResult judge(Duration max) {
    finalReads(max);
    History h = history.history();
    LogChecker.Run run;
    synchronized (this) {
      run = new LogChecker.Run(appends, reads);
    }
    List<Verdict> verdicts = List.of(new LogChecker().check(run), seen.contract());
    return new WorkloadResult(name(), Summary.of(name(), h, seen), verdicts, h);
  }

  /** Every partition read from 0 to its end, in pages, each page retried at the next node until answered. */
  private void finalReads(Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    int at = 0;
    for (int p = 0; p < settings.partitions(); p++) {
      long from = 0;
      while (System.nanoTime() < deadline) {
        LogChecker.Read r = read("final", at, p, from, 1000);
        if (r == null) {
          at++;
          Loops.pause(200);
        } else if (r.records().isEmpty() || r.end() <= r.records().get(r.records().size() - 1).offset() + 1) {
          break;
        } else {
          from = r.records().get(r.records().size() - 1).offset() + 1;
        }
      }
    }
  }

  // ---------------------------------------------------------------- the clients

  private void appendLoop(String client, Random random, int home) {
    int at = home;
    long n = 0;
    while (Loops.going(running)) {
      String key = "key" + random.nextInt(8);
      if (!append(client, at, key, client + "-" + (++n), "&timeout=" + settings.timeout().toMillis(), false)) {
        at++;
      }
      at += Loops.roam(random);
      Loops.pause(settings.pause());
    }
  }

  private void readLoop(String client, Random random, int home) {
    int at = home;
    int p = 0;
    while (Loops.going(running)) {
      p = (p + 1) % settings.partitions();
      long from = random.nextDouble() < 0.2 ? 0 : Math.max(0, highest.get(p) - 20);
      if (read(client, at, p, from, 200) == null) {
        at++;
      }
      at += Loops.roam(random);
      Loops.pause(settings.pause().multipliedBy(2));
    }
  }

  private void hostileLoop(String client, Random random, int home) {
    int at = home;
    long n = 0;
    String[] timeouts = {"abc", "12x", "0x10"};
    while (Loops.going(running)) {
      double p = random.nextDouble();
      if (p < 0.5) {
        String key = "key" + random.nextInt(8);
        append(client, at, key, client + "-bad-" + (++n), "&timeout=" + timeouts[random.nextInt(timeouts.length)], true);
      } else if (p < 0.65) {
        malformedRead(client, at, "4294967296", "from=0", List.of(400));
      } else if (p < 0.75) {
        malformedRead(client, at, "-1", "from=0", List.of(400, 404));
      } else if (p < 0.85) {
        malformedRead(client, at, "0", "from=abc", List.of(400));
      } else {
        malformedRead(client, at, Integer.toString(settings.partitions()), "from=0", List.of(404));
      }
      at++;
      Loops.pause(settings.pause().multipliedBy(5));
    }
  }

  // ---------------------------------------------------------------- operations

  /** One append, never retried; true if acknowledged. {@code malformed}: the contract says 400. */
  private boolean append(String client, int at, String key, String value, String timeout, boolean malformed) {
    String path = "/log/" + HttpNodes.enc(settings.log()) + "/topics/" + HttpNodes.enc(settings.topic())
        + "?key=" + HttpNodes.enc(key) + timeout;
    HttpRequest request = nodes.request(at, path, httpTimeout()).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(value)).build();
    long invoked = System.nanoTime();
    HistoryRecorder.Handle h = history.invoke(client, "append", key, value);
    Answer a = seen.count(nodes.send(request));
    long completed = System.nanoTime();
    if (malformed && !a.is(400) && a.answered() && !a.is(503)) {
      seen.breach(a.status() + " to an append with a malformed timeout", path + ": " + a.show());
    }
    if (a.is(200) && a.has("partition") && a.has("offset")) {
      int partition = a.body().get("partition").asInt();
      long offset = a.body().get("offset").asLong();
      history.ok(h, List.of((long) partition, offset));
      ok.incrementAndGet();
      if (partition >= 0 && partition < settings.partitions()) {
        highest.accumulateAndGet(partition, offset, Math::max);
      }
      add(LogChecker.Append.ok(client, key, value, invoked, completed, partition, offset));
      return true;
    }
    if (a.is(200)) {
      seen.breach("200 to an append without partition and offset", a.show());
    } else if (!malformed && a.answered() && a.status() / 100 == 4) {
      seen.breach(a.status() + " to a well-formed append", path + ": " + a.show());
    } else if (!malformed && a.answered() && a.status() != 307 && a.status() != 503 && a.status() != 504) {
      seen.breach(a.status() + " to an append", path + ": " + a.show());
    }
    boolean noEffect = a.failure() == Answer.Failure.REFUSED
        || a.answered() && (a.status() == 307 || a.status() / 100 == 4 || a.doesNotServe());
    if (noEffect) {
      history.fail(h, a.label());
      add(LogChecker.Append.failed(client, key, value, invoked, completed));
    } else {
      history.info(h, a.label());
      add(LogChecker.Append.unknown(client, key, value, invoked, completed));
    }
    return false;
  }

  /** One read; the read if answered, else null. */
  private LogChecker.Read read(String client, int at, int partition, long from, int max) {
    String path = "/log/" + HttpNodes.enc(settings.log()) + "/topics/" + HttpNodes.enc(settings.topic())
        + "/partitions/" + partition + "?from=" + from + "&max=" + max + "&timeout=" + settings.timeout().toMillis();
    long invoked = System.nanoTime();
    HistoryRecorder.Handle h = history.invoke(client, "read", "p" + partition, List.of(from, (long) max));
    Answer a = seen.count(nodes.send(nodes.request(at, path, httpTimeout()).GET().build()));
    long completed = System.nanoTime();
    if (a.is(200)) {
      JsonNode records = a.body() == null ? null : a.body().get("records");
      if (records == null || !records.isArray() || !a.has("start") || !a.has("end")) {
        seen.breach("200 to a read without start, end and records", a.show());
        history.info(h, "200 without records");
        return null;
      }
      List<LogChecker.Entry> entries = new ArrayList<>();
      for (JsonNode r : records) {
        JsonNode key = r.get("key");
        entries.add(new LogChecker.Entry(r.get("offset").asLong(), key == null || key.isNull() ? null : key.asText(),
            r.get("value").asText()));
      }
      LogChecker.Read read = new LogChecker.Read(client, invoked, completed, partition, from, max,
          a.body().get("start").asLong(), a.body().get("end").asLong(), entries);
      history.ok(h, List.of(read.start(), read.end(), (long) entries.size()));
      ok.incrementAndGet();
      add(read);
      return read;
    }
    if (a.answered() && a.status() / 100 == 4 && !(a.is(404) && highest.get(partition) < 0)) {
      seen.breach(a.status() + " to a well-formed read", path + ": " + a.show());
    }
    if (a.answered() && a.status() >= 500 && a.status() != 503 && a.status() != 504) {
      seen.breach(a.status() + " to a read", path + ": " + a.show());
    }
    history.fail(h, a.label());
    return null;
  }

  /**
   * A read the contract refuses with one of {@code expected} (400, 404); or, like any request, with
   * 503 or 504 when the node cannot reach its log group in time (it learns the partitions from it).
   */
  private void malformedRead(String client, int at, String partition, String from, List<Integer> expected) {
    String path = "/log/" + HttpNodes.enc(settings.log()) + "/topics/" + HttpNodes.enc(settings.topic())
        + "/partitions/" + partition + "?" + from + "&max=10&timeout=" + settings.timeout().toMillis();
    HistoryRecorder.Handle h = history.invoke(client, "read", "p" + partition, null);
    Answer a = seen.count(nodes.send(nodes.request(at, path, httpTimeout()).GET().build()));
    if (a.answered() && !expected.contains(a.status()) && a.status() != 503 && a.status() != 504
        && !(a.is(404) && highest.get(0) < 0)) {
      seen.breach(a.status() + " to a read the contract answers " + expected.stream().map(String::valueOf)
          .collect(Collectors.joining(" or ")), path + ": " + a.show());
    }
    history.fail(h, a.label());
  }

  private synchronized void add(LogChecker.Append a) {
    appends.add(a);
  }

  private synchronized void add(LogChecker.Read r) {
    reads.add(r);
  }

  private Duration httpTimeout() {
    return settings.timeout().plusSeconds(1);
  }
}
