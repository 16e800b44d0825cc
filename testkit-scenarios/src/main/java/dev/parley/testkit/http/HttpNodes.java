package dev.parley.testkit.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The nodes' HTTP addresses (in group order: the first is {@code n1}) and one HTTP client for every
 * workload: HTTP/1.1, redirects followed (a 307 to the leader is repeated there with its method
 * and body, by {@link #send} itself: the JDK client's own following, under concurrency, now and then
 * closes a pooled connection another request is using, which would show as lost answers), a
 * connection given {@value #CONNECT_MS} ms, every request a bounded time to answer. {@link #send}
 * never throws: it returns an {@link Answer}, which may say no answer came and why.
 */
public final class HttpNodes implements AutoCloseable {

  static final long CONNECT_MS = 1000;
  private static final int HOPS = 3;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> addresses;
  private final ExecutorService executor;
  private final HttpClient http;

  /** @param addresses host:port of each node's HTTP API, n1 first */
  public HttpNodes(List<String> addresses) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no nodes");
    }
    this.addresses = List.copyOf(addresses);
    this.executor = Executors.newFixedThreadPool(4, Loops.daemon("http-client"));
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofMillis(CONNECT_MS)).followRedirects(HttpClient.Redirect.NEVER)
        .executor(executor).build();
  }

  public int size() {
    return addresses.size();
  }

  /** host:port of node {@code i} (0 is n1). */
  public String address(int i) {
    return addresses.get(Math.floorMod(i, addresses.size()));
  }

  public List<String> addresses() {
    return addresses;
  }

  /** A request to node {@code i} for {@code pathAndQuery}, to be answered within {@code timeout}. */
  public HttpRequest.Builder request(int i, String pathAndQuery, Duration timeout) {
    return HttpRequest.newBuilder(URI.create("http://" + address(i) + pathAndQuery)).timeout(timeout);
  }

  /**
   * Sends {@code request}, following a 307 or 308 (the same request again at the {@code Location},
   * at most {@value #HOPS} times); whatever happens, says what came back.
   */
  public Answer send(HttpRequest request) {
    HttpRequest next = request;
    for (int hop = 0; ; hop++) {
      HttpResponse<String> r;
      try {
        r = http.send(next, HttpResponse.BodyHandlers.ofString());
      } catch (ConnectException | HttpConnectTimeoutException refused) {
        return Answer.none(Answer.Failure.REFUSED, String.valueOf(refused.getMessage()));
      } catch (HttpTimeoutException e) {
        return Answer.none(Answer.Failure.TIMEOUT, String.valueOf(e.getMessage()));
      } catch (IOException e) {
        if (e.getCause() instanceof ConnectException) {
          return Answer.none(Answer.Failure.REFUSED, String.valueOf(e.getMessage()));
        }
        return Answer.none(Answer.Failure.LOST, e.getClass().getSimpleName() + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Answer.none(Answer.Failure.LOST, "interrupted");
      }
      Optional<String> location = r.headers().firstValue("Location");
      if ((r.statusCode() == 307 || r.statusCode() == 308) && location.isPresent() && hop < HOPS) {
        next = HttpRequest.newBuilder(next, (name, value) -> true).uri(next.uri().resolve(location.get())).build();
      } else {
        return Answer.of(r.statusCode(), parse(r.body()), r.body(), r.uri().getAuthority());
      }
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static JsonNode parse(String text) {
    try {
      return text == null || text.isBlank() ? null : JSON.readTree(text);
    } catch (IOException notJson) {
      return null;
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
