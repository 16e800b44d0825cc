package dev.parley.testkit.sim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * System properties a test sets and then puts back as they were, so that a property given to the
 * whole run (the long mode's {@code -Dparley.seeds}) outlives the test.
 */
final class SystemProperties {

  private final Map<String, String> before = new LinkedHashMap<>();

  void set(String name, String value) {
    before.putIfAbsent(name, System.getProperty(name));
    System.setProperty(name, value);
  }

  void restore() {
    before.forEach((name, value) -> {
      if (value == null) {
        System.clearProperty(name);
      } else {
        System.setProperty(name, value);
      }
    });
    before.clear();
  }
}
