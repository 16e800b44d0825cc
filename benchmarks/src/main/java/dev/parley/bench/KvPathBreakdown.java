package dev.parley.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.cluster.NodeClient;
import dev.parley.cluster.NodeProcesses;
import dev.parley.cluster.NodeRuntime;
import dev.parley.protocols.core.NodeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Where one client's PUT to Parley's Raft store on three JVMs spends its time, from the nodes' own
 * traces: three ParleyNode JVMs with tracing on (the file journal, forced), one client putting over
 * HTTP/1.1 at the leader (it asks for a follower's 307 and follows it, rather than be forwarded
 * inside the cluster), one request at a time; then every node's trace is read and each request cut
 * into the stages between its events (all stamped with the wall clock of one machine, read once per
 * JVM and advanced by the monotonic clock):
 *
 * <pre>
 * edge in      client sends the PUT -> the leader's operation host takes it (HTTP, routing, ask)
 * to append    operation host -> the leader sends AppendEntries (Raft's flush, batching)
 * wire out     leader's send -> the follower receives it (the link, Artery, the follower's hops)
 * follower     the follower receives -> sends its AppendReply (its forced write)
 * wire back    follower's send -> the leader receives the reply
 * commit       leader receives the reply -> the answer's upcall (its own forced write done, commit, apply)
 * edge out     upcall -> the client has the HTTP answer (the ask's reply, the HTTP response)
 * </pre>
 *
 * The first follower to answer is the one that makes the majority. Tracing itself adds a hop at
 * each end of every message; the row "total" is what a client saw, traced.
 */
@Command(name = "kv-path", mixinStandardHelpOptions = true,
    description = "Where a single client's PUT to raft-kv on three JVMs spends its time, from the nodes' traces.")
final class KvPathBreakdown implements Runnable {

  @Option(names = "--requests", description = "PUTs measured (default ${DEFAULT-VALUE})")
  int requests = 300;

  @Option(names = "--warmup", description = "PUTs before them, not measured (default ${DEFAULT-VALUE})")
  int warmup = 2000;

  private static final String[] STAGES = {"edge in", "to append", "wire out", "follower", "wire back", "commit",
      "edge out", "total"};

  @Override
  public void run() {
    Path dir = Scratch.directory("kv-path");
    try (NodeProcesses cluster = new NodeProcesses(3, Files.createDirectories(dir.resolve("cluster")),
        List.of("raft-kv=raft-kv"), List.of(), List.of("parley.trace.enabled=on", "parley.trace.capacity=200000"))) {
      cluster.startAll().awaitUp(3, Duration.ofSeconds(120));
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NORMAL).build();
      String base = "http://" + cluster.http(NodeId.n(1));
      for (int i = 0; i < warmup; i++) {
        base = put(http, base, "w" + i, i).base;
      }
      NodeId leader = null;
      for (NodeId n : cluster.nodes()) {
        if (base.endsWith(cluster.http(n))) {
          leader = n;
        }
      }
      List<long[]> sent = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        long start = NodeRuntime.epochNanos();
        Answer a = put(http, base, "m" + i, warmup + i);
        sent.add(new long[] {start, NodeRuntime.epochNanos()});
        base = a.base;
      }
      long from = sent.get(0)[0];
      long to = sent.get(sent.size() - 1)[1];
      Map<NodeId, List<JsonNode>> traces = new LinkedHashMap<>();
      for (NodeId n : cluster.nodes()) {
        NodeClient.Response r = cluster.client(n).get("/trace", Duration.ofSeconds(60));
        List<JsonNode> events = new ArrayList<>();
        r.body().forEach(e -> {
          if (time(e) >= from && time(e) <= to) {
            events.add(e); // the measured requests' events only
          }
        });
        traces.put(n, events);
      }
      print(leader, sent, traces);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      Scratch.delete(dir);
    }
  }

  private record Answer(String base) {}

  private static Answer put(HttpClient http, String base, String key, long seq) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/kv/raft-kv/" + key
          + "?client=path&seq=" + (seq + 1) + "&redirect=true"))
          .PUT(HttpRequest.BodyPublishers.ofString("v")).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("PUT " + key + ": " + r.statusCode() + " " + r.body());
      }
      return new Answer(r.uri().getScheme() + "://" + r.uri().getAuthority());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private void print(NodeId leader, List<long[]> sent, Map<NodeId, List<JsonNode>> traces) {
    List<JsonNode> lead = traces.get(leader);
    List<double[]> rows = new ArrayList<>();
    int[] missed = new int[3];
    for (long[] window : sent) {
      long in = window[0];
      long out = window[1];
      JsonNode client = first(lead, in, out, e -> kind(e, "LOCAL") && e.path("type").asText().equals("client"));
      if (client == null) {
        missed[0]++;
        continue;
      }
      long t0 = time(client);
      JsonNode append = first(lead, t0, out, e -> kind(e, "SEND") && e.path("type").asText().equals("AppendEntries"));
      if (append == null) {
        missed[1]++;
        continue;
      }
      long t1 = time(append);
      long best = Long.MAX_VALUE;
      long[] via = null;
      for (JsonNode send : lead) {
        if (!kind(send, "SEND") || time(send) < t0 || time(send) > out
            || !send.path("type").asText().equals("AppendEntries")) {
          continue;
        }
        NodeId f = NodeId.of(send.path("peer").asText());
        JsonNode received = match(traces.get(f), leader, send.path("messageId").asLong());
        if (received == null) {
          continue;
        }
        JsonNode reply = first(traces.get(f), time(received), out, e -> kind(e, "SEND")
            && e.path("type").asText().equals("AppendReply"));
        if (reply == null) {
          continue;
        }
        JsonNode back = match(lead, f, reply.path("messageId").asLong());
        if (back != null && time(back) < best) {
          best = time(back);
          via = new long[] {time(send), time(received), time(reply), time(back)};
        }
      }
      JsonNode upcall = first(lead, t1, out, e -> kind(e, "LOCAL") && e.path("type").asText().equals("upcall"));
      if (via == null || upcall == null) {
        missed[2]++;
        continue;
      }
      long t5 = time(upcall);
      rows.add(new double[] {t0 - in, via[0] - t0, via[1] - via[0], via[2] - via[1], via[3] - via[2], t5 - via[3],
          out - t5, out - in});
    }
    System.out.printf("A single client's PUT to raft-kv on 3 JVMs (tracing on, file journal forced), leader %s:"
        + " %d of %d requests cut into stages from the nodes' traces%n", leader, rows.size(), sent.size());
    if (rows.size() < sent.size()) {
      System.out.printf("  not cut: %d with no client event at the leader, %d with no AppendEntries after it,"
          + " %d with no follower's answer or upcall%n", missed[0], missed[1], missed[2]);
    }
    Figures.machine();
    Figures.row("stage", "p50", "mean", "p90");
    Figures.row("---", "---", "---", "---");
    for (int s = 0; s < STAGES.length; s++) {
      int at = s;
      double[] v = rows.stream().mapToDouble(r -> r[at] / 1e6).sorted().toArray();
      if (v.length == 0) {
        continue;
      }
      Figures.row(STAGES[s], ms(v[v.length / 2]), ms(Arrays.stream(v).average().orElse(0)),
          ms(v[(int) (v.length * 0.9)]));
    }
  }

  private static String ms(double millis) {
    return String.format("%.3f ms", millis);
  }

  private static boolean kind(JsonNode e, String kind) {
    return e.path("kind").asText().equals(kind);
  }

  private static long time(JsonNode e) {
    return e.path("timeNanos").asLong();
  }

  private static JsonNode first(List<JsonNode> events, long from, long to, java.util.function.Predicate<JsonNode> p) {
    for (JsonNode e : events) {
      long t = time(e);
      if (t >= from && t <= to && p.test(e)) {
        return e;
      }
    }
    return null;
  }

  /** The receive of the message {@code from} sent with {@code messageId}. */
  private static JsonNode match(List<JsonNode> events, NodeId from, long messageId) {
    for (JsonNode e : events) {
      if (kind(e, "RECEIVE") && e.path("peer").asText().equals(from.name()) && e.path("messageId").asLong() == messageId) {
        return e;
      }
    }
    return null;
  }
}
