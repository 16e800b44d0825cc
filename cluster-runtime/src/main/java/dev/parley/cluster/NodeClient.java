package dev.parley.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** A small client of one node's HTTP API: what {@code bin/parley} and the demo talk to nodes with. */
public final class NodeClient {

  /** An answer: its HTTP status and JSON body (null if empty or not JSON). */
  public record Response(int status, JsonNode body, String text) {
    public boolean ok() {
      return status / 100 == 2;
    }
  }

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final HttpClient FOLLOWING = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
      .followRedirects(HttpClient.Redirect.NORMAL).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

  /** The environment variable whose token every request carries (as Authorization: Bearer), if set. */
  public static final String TOKEN_ENV = "PARLEY_TOKEN";

  private final String base;
  private final String token;

  /** A client of the node at {@code hostPort} with the token of {@value #TOKEN_ENV}, if set. */
  public NodeClient(String hostPort) {
    this(hostPort, System.getenv(TOKEN_ENV));
  }

  /** A client sending {@code token} (null or blank: none) as {@code Authorization: Bearer}. */
  public NodeClient(String hostPort, String token) {
    this.base = "http://" + hostPort;
    this.token = token == null || token.isBlank() ? null : token.strip();
  }

  public Response get(String path) {
    return get(path, DEFAULT_WAIT);
  }

  /** A GET whose answer may take up to {@code wait}. */
  public Response get(String path, Duration wait) {
    return send(HTTP, HttpRequest.newBuilder(URI.create(base + path)).GET(), wait);
  }

  /**
   * A GET answered asynchronously, on the HTTP client's own threads (never the caller's): the future
   * fails with an {@link IllegalStateException} saying why when the node does not answer within
   * {@code wait}.
   */
  public CompletableFuture<Response> getAsync(String path, Duration wait) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET().timeout(wait);
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
        .handle((r, error) -> {
          if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            throw new IllegalStateException(cause instanceof ConnectException
                ? "no node answers at " + base + " (is it running?)"
                : "the node at " + base + " did not answer: " + (cause.getMessage() == null
                    ? cause.getClass().getSimpleName() : cause.getMessage()), cause);
          }
          return new Response(r.statusCode(), parse(r.body()), r.body());
        });
  }

  /** Where this client sends its requests, {@code http://host:port}. */
  public String base() {
    return base;
  }

  /** A GET that follows a redirect (a Raft follower's 307 to its leader), as {@code curl -L} does. */
  public Response getFollowing(String path) {
    return send(FOLLOWING, HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  /** A PUT that follows a redirect, as {@code curl -L} does. */
  public Response putFollowing(String path, String text) {
    return send(FOLLOWING, HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "text/plain")
        .PUT(HttpRequest.BodyPublishers.ofString(text)));
  }

  /** A POST that follows a redirect, keeping the method and body on a 307 (a Raft follower's), as {@code curl -L} does. */
  public Response postFollowing(String path, String text) {
    return send(FOLLOWING, HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(text)));
  }

  public Response post(String path, String json) {
    return post(path, json, DEFAULT_WAIT);
  }

  /** A POST whose answer may take up to {@code wait} (an acquire that waits for the lock). */
  public Response post(String path, String json, Duration wait) {
    return send(HTTP, HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json == null ? "" : json)), wait);
  }

  public Response put(String path, String text) {
    return send(HTTP, HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "text/plain")
        .PUT(HttpRequest.BodyPublishers.ofString(text)));
  }

  /** Whether the node answers at all. */
  public boolean reachable() {
    try {
      return get("/status").ok();
    } catch (IllegalStateException e) {
      return false;
    }
  }

  private static JsonNode parse(String body) {
    try {
      return body.isBlank() ? null : JSON.readTree(body);
    } catch (IOException notJson) {
      return null;
    }
  }

  private Response send(HttpClient client, HttpRequest.Builder request) {
    return send(client, request, DEFAULT_WAIT);
  }

  private Response send(HttpClient client, HttpRequest.Builder request, Duration wait) {
    try {
      if (token != null) {
        request.header("Authorization", "Bearer " + token);
      }
      HttpResponse<String> r = client.send(request.timeout(wait).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), parse(r.body()), r.body());
    } catch (ConnectException e) {
      throw new IllegalStateException("no node answers at " + base + " (is it running?)", e);
    } catch (IOException e) {
      throw new IllegalStateException("the node at " + base + " did not answer: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
