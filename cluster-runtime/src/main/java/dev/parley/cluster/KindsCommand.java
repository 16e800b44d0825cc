package dev.parley.cluster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code parley-node kinds [--with PATH ...]}: every protocol kind a node can run, and where each comes from. */
@Command(name = "kinds", mixinStandardHelpOptions = true, description = "List the protocol kinds.")
final class KindsCommand implements Runnable {

  @Option(names = "--with", paramLabel = "PATH", description = "a jar or class directory of your own kinds; repeatable")
  List<Path> with = new ArrayList<>();

  @Override
  public void run() {
    ProtocolKinds kinds = KindPaths.load(with);
    Map<ProtocolKinds.Origin, List<String>> byOrigin = new TreeMap<>(Comparator.comparing(Object::toString));
    kinds.all().keySet().forEach(k -> byOrigin.computeIfAbsent(kinds.origin(k), o -> new ArrayList<>()).add(k));
    byOrigin.forEach((origin, names) -> {
      System.out.println("from " + origin + ":");
      names.forEach(name -> System.out.printf("  %-22s %s; operations %s%n", name, kinds.named(name).description(),
          kinds.named(name).operations()));
    });
  }
}
