package dev.parley.cluster.http;

import akka.http.javadsl.server.Directives;
import akka.http.javadsl.server.Route;
import dev.parley.cluster.Caller;
import dev.parley.cluster.Clients;
import dev.parley.cluster.NodeSettings;
import dev.parley.protocols.replication.RequestId;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import scala.concurrent.duration.FiniteDuration;

/**
 * A request's query parameters, checked before anything is sent: a route takes only the parameters
 * it names (a misspelt {@code timout} is refused, not ignored), each at most once, and every value is
 * parsed and range-checked with its own name in the error (a 400). Numbers are never narrowed
 * silently: a value out of its range is refused.
 */
final class Params {

  /** The longest wait a request may ask for with {@code timeout}: ten minutes. */
  static final long MAX_TIMEOUT_MS = 600_000;

  /** What a waiting route may take beyond its wait to answer that it did not get an answer. */
  private static final Duration SLACK = Duration.ofSeconds(10);

  private final String route;
  private final Map<String, List<String>> values;

  private Params(String route, Map<String, List<String>> values) {
    this.route = route;
    this.values = values;
  }

  /**
   * The inner route given the parameters of {@code route} (such as {@code PUT /kv/{store}/{key}}),
   * which takes only {@code allowed}; anything else is a 400 saying what it takes.
   */
  static Route of(String route, List<String> allowed, Function<Params, Route> inner) {
    return Directives.parameterMultiMap(all -> inner.apply(checked(route, allowed, all)));
  }

  /**
   * The parameters {@code all} of {@code route} (a query as {@link akka.http.javadsl.model.Query#toMultiMap}
   * gives it), which takes only {@code allowed}; anything else, or a parameter given twice, is a 400.
   */
  static Params checked(String route, List<String> allowed, Map<String, List<String>> all) {
    for (Map.Entry<String, List<String>> e : all.entrySet()) {
      if (!allowed.contains(e.getKey())) {
        throw new IllegalArgumentException("unknown query parameter '" + Clients.abbreviate(e.getKey()) + "': "
            + route + (allowed.isEmpty() ? " takes none" : " takes " + String.join(", ", allowed)));
      }
      if (e.getValue().size() > 1) {
        throw new IllegalArgumentException(e.getKey() + " is given " + e.getValue().size() + " times; give it once");
      }
    }
    return new Params(route, all);
  }

  /** The text of {@code name}, if given. */
  Optional<String> text(String name) {
    List<String> v = values.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  /** The client the request names ({@link Clients#named}), if it names one. */
  Optional<String> client() {
    return text("client").map(Clients::named);
  }

  /**
   * Who asks at {@code node}: the client named (or an anonymous one) and its {@code seq}; {@code seq}
   * without {@code client}, or, with {@code seqRequired}, {@code client} without {@code seq}, is a 400,
   * and so is a {@code seq} for an anonymous client's name (an anonymous lock holder's name is given
   * back to release with, but such a client has no session to number requests in).
   */
  Caller caller(NodeSettings node, boolean seqRequired) {
    Optional<String> client = client();
    Optional<Long> seq = whole("seq", 1, Long.MAX_VALUE);
    if (client.isEmpty() && seq.isPresent()) {
      throw new IllegalArgumentException("seq numbers a client's requests: give client=NAME with seq="
          + seq.get() + " (or neither, for a request of its own)");
    }
    if (client.isPresent() && seq.isEmpty() && seqRequired) {
      throw new IllegalArgumentException("a client naming itself (client=" + client.get()
          + ") numbers its requests: give seq=1, 2, ... so a retry with the same seq is applied once");
    }
    if (client.isPresent() && seq.isPresent() && Clients.isAnonymous(client.get())) {
      throw new IllegalArgumentException("client '" + Clients.abbreviate(client.get()) + "' starts with "
          + RequestId.ANONYMOUS_PREFIX + ", which names the requests that name no client: they have no session, so"
          + " a seq cannot make their retries safe; choose another name");
    }
    return new Caller(node, client.orElseGet(Clients::anonymous), seq);
  }

  /** The whole number {@code name}, from {@code min} to {@code max}, if given. */
  Optional<Long> whole(String name, long min, long max) {
    return text(name).map(t -> parseWhole(name, t, min, max));
  }

  /** The whole number {@code name}, from {@code min} to {@code max}, or {@code otherwise}. */
  long whole(String name, long min, long max, long otherwise) {
    return whole(name, min, max).orElse(otherwise);
  }

  /** {@code timeout} in milliseconds (1 to ten minutes), or {@code otherwise}. */
  Duration timeout(Duration otherwise) {
    return whole("timeout", 1, MAX_TIMEOUT_MS).map(Duration::ofMillis).orElse(otherwise);
  }

  /**
   * {@code inner}, a route answering within {@code wait}, allowed that long by the server: its request
   * timeout (akka.http.server.request-timeout, 20 s) would otherwise cut a longer wait short.
   */
  static Route within(Duration wait, Supplier<Route> inner) {
    return Directives.withRequestTimeout(
        FiniteDuration.create(wait.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS), inner);
  }

  /** {@code text}, the value of {@code name}, as a whole number from {@code min} to {@code max}. */
  static long parseWhole(String name, String text, long min, long max) {
    long n;
    try {
      n = Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is a whole number" + range(min, max) + ", got '"
          + Clients.abbreviate(text) + "'");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(name + " is a whole number" + range(min, max) + ", got " + n);
    }
    return n;
  }

  private static String range(long min, long max) {
    return max == Long.MAX_VALUE ? " >= " + min : " from " + min + " to " + max;
  }

  @Override
  public String toString() {
    return route + " " + values;
  }
}
