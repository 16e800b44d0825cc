package dev.parley.cluster;

import picocli.CommandLine.Command;

/** {@code parley-node kinds}: every protocol kind a node can run. */
@Command(name = "kinds", mixinStandardHelpOptions = true, description = "List the protocol kinds.")
final class KindsCommand implements Runnable {
  @Override
  public void run() {
    ProtocolKinds.all().values().stream()
        .sorted((a, b) -> a.name().compareTo(b.name()))
        .forEach(k -> System.out.printf("%-22s %s; operations %s%n", k.name(), k.description(), k.operations()));
  }
}
