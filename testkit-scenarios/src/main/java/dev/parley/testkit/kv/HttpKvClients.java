package dev.parley.testkit.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Jepsen-style clients of a key-value store on a running cluster, through its {@code /kv} HTTP API:
 * each client thread runs one put, get or cas at a time on a few keys, naming its requests
 * ({@code client}, {@code seq}) so the store applies a retry once, and records invoke and ok / fail
 * / info in a {@link History} for the linearizability checker. A refused connection (the node is
 * down) and an answer that the request was not served are failures (no effect); a timeout, a 503
 * from a store that could not finish, or a lost connection are info (it may have taken effect).
 * After anything but ok, the client moves on to the next node. Every request asks for the 307 to the
 * leader ({@code Parley-Redirect: true}) rather than to be forwarded there, and follows it, so {@link
 * #lastServedBy} is the node that served it (the one a spec kills as "the serving node").
 */
public final class HttpKvClients implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String store;
  private final List<String> nodes;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1))
      .followRedirects(HttpClient.Redirect.NORMAL).build();
  private final HistoryRecorder history = new HistoryRecorder();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();
  private volatile String lastServedBy;
  private static final String[] REDIRECT = {"Parley-Redirect", "true"};
  private Duration timeout = Duration.ofSeconds(3);

  /**
   * @param store the store's instance name
   * @param nodes the nodes' HTTP addresses, host:port
   */
  public HttpKvClients(String store, List<String> nodes) {
    this.store = Objects.requireNonNull(store, "store");
    this.nodes = List.copyOf(nodes);
  }

  /** How long a client waits for an answer before it records info. */
  public HttpKvClients timeout(Duration d) {
    this.timeout = d;
    return this;
  }

  /** Starts {@code clients} clients over {@code keys} keys, each seeded from {@code seed}. */
  public HttpKvClients start(int clients, int keys, long seed) {
    for (int i = 0; i < clients; i++) {
      String client = store + "-c" + (i + 1);
      Random random = new Random(seed * 31 + i);
      int home = i % nodes.size();
      Thread t = new Thread(() -> run(client, random, keys, home), client);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return this;
  }

  /** Operations completed ok so far. */
  public long ok() {
    return history.history().operations().stream().filter(o -> o.isOk()).count();
  }

  /** The node (host:port) that served the last operation completed ok, after any redirect; null if none yet. */
  public String lastServedBy() {
    return lastServedBy;
  }

  /** Stops the clients (each finishes its operation in flight) and returns the history. */
  public History stop() {
    running.set(false);
    for (Thread t : threads) {
      try {
        t.join(timeout.multipliedBy(2).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return history.history();
  }

  private void run(String client, Random random, int keys, int home) {
    int at = home;
    long seq = 0;
    while (running.get()) {
      String key = "k" + (1 + random.nextInt(keys));
      double r = random.nextDouble();
      String value = client + "-" + (++seq);
      String query = "?client=" + client + "&seq=" + seq + "&timeout=" + timeout.toMillis();
      String base = "http://" + nodes.get(at) + "/kv/" + store + "/" + enc(key);
      HistoryRecorder.Handle h;
      HttpRequest request;
      if (r < 0.4) {
        h = history.invoke(client, "put", key, value);
        request = HttpRequest.newBuilder(URI.create(base + query)).PUT(HttpRequest.BodyPublishers.ofString(value))
            .headers(REDIRECT).timeout(timeout.plusSeconds(1)).build();
      } else if (r < 0.6) {
        String expected = random.nextBoolean() ? null : client + "-" + Math.max(1, seq - 1 - random.nextInt(3));
        List<Object> pair = new ArrayList<>();
        pair.add(expected);
        pair.add(value);
        h = history.invoke(client, "cas", key, pair);
        String body = "{\"expected\":" + (expected == null ? "null" : "\"" + expected + "\"")
            + ",\"value\":\"" + value + "\"}";
        request = HttpRequest.newBuilder(URI.create(base + "/cas" + query))
            .POST(HttpRequest.BodyPublishers.ofString(body)).headers(REDIRECT).timeout(timeout.plusSeconds(1))
            .build();
      } else {
        h = history.invoke(client, "get", key, null);
        request = HttpRequest.newBuilder(URI.create(base + query)).GET().headers(REDIRECT)
            .timeout(timeout.plusSeconds(1)).build();
      }
      if (!settle(h, request)) {
        at = (at + 1) % nodes.size();
        pause(50);
      }
    }
  }

  /** Sends {@code request} and records its outcome; true if it completed ok. */
  private boolean settle(HistoryRecorder.Handle h, HttpRequest request) {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException refused) {
      history.fail(h, "connection refused");
      return false;
    } catch (HttpTimeoutException e) {
      history.info(h, "timed out");
      return false;
    } catch (IOException e) {
      history.info(h, "connection lost: " + e.getMessage());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      history.info(h, "interrupted");
      return false;
    }
    JsonNode body = parse(response.body());
    String error = body != null && body.has("error") ? body.get("error").asText() : response.body();
    switch (response.statusCode()) {
      case 200 -> {
        lastServedBy = response.uri().getAuthority();
        if (h.invocation().f().equals("get")) {
          JsonNode v = body.get("value");
          history.ok(h, v == null || v.isNull() ? null : v.asText());
        } else {
          history.ok(h);
        }
        return true;
      }
      case 409 -> {
        history.fail(h, "cas failed");
        return true;
      }
      default -> {
        if (response.statusCode() == 503 && error.contains("does not serve")) {
          history.fail(h, error);
        } else {
          history.info(h, response.statusCode() + " " + error);
        }
        return false;
      }
    }
  }

  private static JsonNode parse(String text) {
    try {
      return text == null || text.isBlank() ? null : JSON.readTree(text);
    } catch (IOException notJson) {
      return null;
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running.set(false);
  }
}
