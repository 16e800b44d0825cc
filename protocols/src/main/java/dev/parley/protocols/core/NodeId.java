package dev.parley.protocols.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The identity of a node: a short name such as {@code n1}, ordered so that algorithms which compare
 * identities (bully, ring election, Ricart-Agrawala ties) agree on who is "higher".
 *
 * <p>Ordering is natural: names that share a prefix compare by their trailing number, so {@code n2 <
 * n10}; otherwise they compare as text. Names are 1 to 64 characters of letters, digits, {@code -}
 * and {@code _}, which keeps them usable as actor names, file names and JSON keys.
 */
public final class NodeId implements Comparable<NodeId>, WireMessage {

  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern PREFIX_NUMBER = Pattern.compile("(.*?)(\\d{1,18})");

  /**
   * The identities already made, by name, so a message's sender is not parsed again each time one
   * arrives (two regular expressions); at most {@value #MAX_KNOWN}, a cluster's names and a test's.
   */
  private static final Map<String, NodeId> KNOWN = new ConcurrentHashMap<>();
  private static final int MAX_KNOWN = 4096;

  private final String name;
  private final String prefix;
  private final long number;

  private NodeId(String name) {
    Objects.requireNonNull(name, "node name");
    if (!VALID.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid node name '" + name + "': use 1 to 64 letters, digits, '-' or '_' (for example n1)");
    }
    this.name = name;
    Matcher m = PREFIX_NUMBER.matcher(name);
    if (m.matches()) {
      this.prefix = m.group(1);
      this.number = Long.parseLong(m.group(2));
    } else {
      this.prefix = name;
      this.number = -1;
    }
  }

  /** {@code NodeId.of("n3")}; a name that is not 1 to 64 letters, digits, '-' or '_' is rejected. */
  @JsonCreator
  public static NodeId of(String name) {
    NodeId known = name == null ? null : KNOWN.get(name);
    if (known != null) {
      return known;
    }
    NodeId id = new NodeId(name);
    if (KNOWN.size() < MAX_KNOWN) {
      KNOWN.putIfAbsent(name, id);
    }
    return id;
  }


  /** The i-th node of a group, named {@code n<i>}. */
  public static NodeId n(int i) {
    return new NodeId("n" + i);
  }

  @JsonValue
  public String name() {
    return name;
  }

  @Override
  public int compareTo(NodeId other) {
    int c = prefix.compareTo(other.prefix);
    if (c != 0) {
      return c;
    }
    c = Long.compare(number, other.number);
    return c != 0 ? c : name.compareTo(other.name);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeId other && name.equals(other.name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return name;
  }
}
