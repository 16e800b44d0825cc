package dev.parley.testkit.checker;

import dev.parley.protocols.pubsub.TopicBroker.Filter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Publish/subscribe delivery: what each subscriber's application received, against what was
 * published.
 *
 * <p>For every subscriber it checks: <b>integrity</b> (each message received was published, as it
 * was published), <b>filtering</b> (each is on the subscription's topic and matches its filter),
 * <b>no duplicates</b> (no publisher's message twice), <b>per-publisher order</b> (each publisher's
 * messages in the order it numbered them), and <b>completeness</b> (every message its publisher had
 * acknowledged, issued after the subscription was confirmed, and matching it, was received; durable
 * subscribers are owed these across their absence and broker restarts).
 */
public final class PubSubChecker implements Checker<PubSubChecker.Run> {

  /**
   * One message a publisher was asked to publish.
   *
   * @param acknowledged whether the broker acknowledged it to its publisher
   */
  public record Sent(String publisherId, long seq, String topic, String key, String payload, boolean acknowledged) {}

  /** One message as a subscriber's application received it. */
  public record Got(String publisherId, long seq, String topic, String key, String payload) {}

  /**
   * One subscriber.
   *
   * @param owedFrom the index in {@link Run#published} from which its messages are owed (those
   *     issued after its subscription was confirmed)
   * @param received what its application received, in order
   */
  public record Subscriber(String subscriberId, String topic, Filter filter, int owedFrom, List<Got> received) {
    public Subscriber {
      received = List.copyOf(received);
    }
  }

  /** What a run did: the publishes in the order they were issued, and every subscriber's deliveries. */
  public record Run(List<Sent> published, List<Subscriber> subscribers) {
    public Run {
      published = List.copyOf(published);
      subscribers = List.copyOf(subscribers);
    }
  }

  private record Id(String publisherId, long seq) {}

  @Override
  public String name() {
    return "publish/subscribe delivery";
  }

  @Override
  public Verdict check(Run run) {
    Map<Id, Sent> byId = new HashMap<>();
    for (Sent s : run.published()) {
      byId.put(new Id(s.publisherId(), s.seq()), s);
    }
    List<String> problems = new ArrayList<>();
    long delivered = 0;
    for (Subscriber sub : run.subscribers()) {
      delivered += sub.received().size();
      checkOne(sub, byId, run.published(), problems);
    }
    if (problems.isEmpty()) {
      return Verdict.valid(name(), run.subscribers().size() + " subscribers, " + run.published().size()
          + " messages published, " + delivered + " deliveries: all owed, none twice, in publisher order");
    }
    int shown = Math.min(problems.size(), 20);
    List<String> lines = new ArrayList<>(problems.subList(0, shown));
    if (shown < problems.size()) {
      lines.add("... and " + (problems.size() - shown) + " more");
    }
    return Verdict.invalid(name(), problems.size() + " violations", lines);
  }

  private static void checkOne(Subscriber sub, Map<Id, Sent> byId, List<Sent> published, List<String> problems) {
    String who = sub.subscriberId();
    Set<Id> seen = new HashSet<>();
    Map<String, Long> lastSeq = new HashMap<>();
    for (Got g : sub.received()) {
      Id id = new Id(g.publisherId(), g.seq());
      Sent s = byId.get(id);
      if (s == null || !Objects.equals(s.topic(), g.topic()) || !Objects.equals(s.key(), g.key())
          || !Objects.equals(s.payload(), g.payload())) {
        problems.add(who + " received " + g + ", which was not published" + (s == null ? "" : " as such (sent " + s + ")"));
        continue;
      }
      if (!sub.topic().equals(g.topic()) || !sub.filter().matches(g.key(), g.payload())) {
        problems.add(who + " received " + g + ", which does not match its subscription to " + sub.topic()
            + " with " + sub.filter());
      }
      if (!seen.add(id)) {
        problems.add(who + " received " + g.publisherId() + "#" + g.seq() + " twice");
        continue;
      }
      Long last = lastSeq.put(g.publisherId(), g.seq());
      if (last != null && last > g.seq()) {
        problems.add(who + " received " + g.publisherId() + "#" + g.seq() + " after " + g.publisherId() + "#" + last);
      }
    }
    for (int i = sub.owedFrom(); i < published.size(); i++) {
      Sent s = published.get(i);
      if (s.acknowledged() && sub.topic().equals(s.topic()) && sub.filter().matches(s.key(), s.payload())
          && !seen.contains(new Id(s.publisherId(), s.seq()))) {
        problems.add(who + " never received " + s.publisherId() + "#" + s.seq() + " (key " + s.key()
            + "), acknowledged to its publisher after " + who + " subscribed");
      }
    }
  }
}
