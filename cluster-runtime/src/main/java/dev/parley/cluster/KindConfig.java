package dev.parley.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The settings of one protocol kind: its section {@code parley.kinds.<kind>} of the node's
 * configuration. Its defaults live in the {@code reference.conf} beside the kind (cluster-runtime's
 * for Parley's kinds, the user's jar for theirs); application.conf and {@code -D} options override
 * them. Every getter names the full key when a value is missing or malformed, so a bad value stops
 * the node with one message saying which key and what it should look like.
 */
public final class KindConfig {

  /** Where every kind's section lives. */
  public static final String ROOT = "parley.kinds";

  private final String kind;
  private final Config section;

  private KindConfig(String kind, Config section) {
    this.kind = kind;
    this.section = section;
  }

  /** The section of {@code kind} in {@code config} (empty if it has none). */
  public static KindConfig of(String kind, Config config) {
    String path = ConfigUtil.joinPath("parley", "kinds", kind);
    return new KindConfig(kind, config.hasPath(path) ? config.getConfig(path) : ConfigFactory.empty());
  }

  /** The section of {@code kind} as {@code loader}'s configuration has it (reference.conf, application.conf, -D). */
  public static KindConfig of(String kind, ClassLoader loader) {
    return of(kind, ConfigFactory.load(loader));
  }

  /**
   * The sections of {@code kinds} in the node's {@code config}, each checked against its defaults
   * in {@code loader}'s reference.conf files and read by its kind ({@link ProtocolKind#checkConfig}):
   * a malformed or unknown setting is an error naming its key.
   */
  static Map<String, KindConfig> checked(Collection<ProtocolKind> kinds, Config config, ClassLoader loader) {
    Config reference = ConfigFactory.defaultReference(loader);
    Map<String, KindConfig> out = new TreeMap<>();
    for (ProtocolKind kind : kinds) {
      KindConfig section = of(kind.name(), config);
      section.checkAgainst(of(kind.name(), reference));
      try {
        kind.checkConfig(section);
      } catch (IllegalArgumentException | ConfigException e) {
        String message = String.valueOf(e.getMessage());
        throw new IllegalArgumentException(message.startsWith(ROOT + ".") ? message
            : ROOT + "." + kind.name() + ": " + message, e);
      }
      out.put(kind.name(), section);
    }
    return out;
  }

  /** The full key of {@code key}, such as {@code parley.kinds.raft-election.heartbeat}. */
  public String key(String key) {
    return ROOT + "." + kind + "." + key;
  }

  /** The section as it is, for settings the getters here do not cover. */
  public Config config() {
    return section;
  }

  public Duration duration(String key) {
    return read(key, "a duration, such as 100ms or 2s", section::getDuration);
  }

  /** A duration above zero. */
  public Duration positiveDuration(String key) {
    Duration d = duration(key);
    if (d.isZero() || d.isNegative()) {
      throw malformed(key, "a duration above zero, such as 100ms");
    }
    return d;
  }

  public int integer(String key) {
    return read(key, "a whole number", section::getInt);
  }

  public long number(String key) {
    return read(key, "a whole number", section::getLong);
  }

  public double decimal(String key) {
    return read(key, "a number, such as 0.5", section::getDouble);
  }

  public boolean flag(String key) {
    return read(key, "true or false", section::getBoolean);
  }

  public String text(String key) {
    return read(key, "a string", section::getString);
  }

  /** One of {@code type}'s constants, written in lower case with '-' for '_' (LINEARIZABLE as linearizable). */
  public <E extends Enum<E>> E choice(String key, Class<E> type) {
    String value = text(key);
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(value.toUpperCase(Locale.ROOT).replace('-', '_'))) {
        return e;
      }
    }
    Set<String> names = new TreeSet<>();
    for (E e : type.getEnumConstants()) {
      names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    throw malformed(key, "one of " + names);
  }

  /** The sub-section {@code key} (such as one topic's settings); empty if it is not set. */
  public KindConfig section(String key) {
    String path = path(key);
    return new KindConfig(kind + "." + key, section.hasPath(path) ? section.getConfig(path) : ConfigFactory.empty());
  }

  /** Whether {@code key} is set. */
  public boolean has(String key) {
    return section.hasPath(path(key));
  }

  /** Refuses a key of this section that is not one of {@code keys}, naming it and the ones there are. */
  public void allowOnly(Set<String> keys) {
    for (String key : keys()) {
      if (!keys.contains(key)) {
        throw new IllegalArgumentException(key(key) + described(key) + " is not a setting of " + kind
            + "; its settings are " + new TreeSet<>(keys));
      }
    }
  }

  /** The keys directly inside this section. */
  public Set<String> keys() {
    Set<String> keys = new TreeSet<>();
    section.root().keySet().forEach(keys::add);
    return keys;
  }

  /**
   * Checks this section against the kind's defaults {@code reference}, as reference.conf has them:
   * every key given must be one of the kind's settings, and hold a value of the same type as its
   * default (a duration where the default is one). A section whose entries are all sections (such
   * as the partitioned log's topics) is open: it takes new names. A kind without defaults is not
   * checked.
   */
  void checkAgainst(KindConfig reference) {
    if (reference.section.isEmpty()) {
      return;
    }
    for (Map.Entry<String, ConfigValue> given : section.entrySet()) {
      String key = given.getKey();
      if (!reference.section.hasPath(key)) {
        requireOpen(reference, key);
        continue;
      }
      ConfigValue expected = reference.section.getValue(key);
      if (expected.valueType() == ConfigValueType.NUMBER) {
        decimal(key);
      } else if (expected.valueType() == ConfigValueType.BOOLEAN) {
        flag(key);
      } else if (expected.valueType() == ConfigValueType.STRING && isDuration(reference, key)) {
        duration(key);
      } else if (expected.valueType() != ConfigValueType.STRING
          && expected.valueType() != given.getValue().valueType()) {
        throw malformed(key, "a " + expected.valueType().name().toLowerCase(Locale.ROOT) + " like its default "
            + expected.render(ConfigRenderOptions.concise()));
      }
    }
  }

  /** Refuses {@code key}, which the defaults lack, unless it lies inside an open section of them. */
  private void requireOpen(KindConfig reference, String key) {
    ConfigObject level = reference.section.root();
    for (String segment : ConfigUtil.splitPath(key)) {
      ConfigValue next = level.get(segment);
      if (next == null) {
        boolean open = !level.isEmpty()
            && level.values().stream().allMatch(v -> v.valueType() == ConfigValueType.OBJECT);
        if (open && level != reference.section.root()) {
          return;
        }
        Set<String> known = new TreeSet<>();
        reference.section.entrySet().forEach(e -> known.add(e.getKey()));
        throw new IllegalArgumentException(key(key) + described(key) + " is not a setting of " + kind
            + "; its settings are " + known);
      }
      if (!(next instanceof ConfigObject inner)) {
        return;
      }
      level = inner;
    }
  }

  private static boolean isDuration(KindConfig reference, String key) {
    try {
      reference.section.getDuration(key);
      return true;
    } catch (ConfigException notADuration) {
      return false;
    }
  }

  private <T> T read(String key, String what, Function<String, T> getter) {
    String path = path(key);
    if (!section.hasPath(path)) {
      throw new IllegalArgumentException(key(key) + " is not set: give it in application.conf or with -D"
          + key(key) + "=..., or a default in the kind's reference.conf");
    }
    try {
      return getter.apply(path);
    } catch (ConfigException e) {
      throw malformed(key, what);
    }
  }

  private IllegalArgumentException malformed(String key, String what) {
    return new IllegalArgumentException(key(key) + described(key) + " is not " + what
        + "; set it in application.conf or with -D" + key(key) + "=...");
  }

  /** " = value (where it was set)", or nothing for a key that is not set. */
  private String described(String key) {
    String path = path(key);
    if (!section.hasPath(path)) {
      return "";
    }
    ConfigValue value = section.getValue(path);
    return " = " + value.render(ConfigRenderOptions.concise()) + " (" + value.origin().description() + ")";
  }

  /** A key as a path: a.b names a nested key; anything but letters, digits, '-', '_' and '.' is quoted. */
  private static String path(String key) {
    return key.matches("[A-Za-z0-9_.-]+") ? key : ConfigUtil.quoteString(key);
  }

  @Override
  public String toString() {
    return ROOT + "." + kind + " " + section.root().render(ConfigRenderOptions.concise());
  }
}
