package dev.parley.cluster;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code parley-node kinds [--with PATH ...]}: every protocol kind a node can run, and where each comes from. */
@Command(name = "kinds", mixinStandardHelpOptions = true, description = "List the protocol kinds.")
final class KindsCommand implements Runnable {

  @Spec CommandSpec spec;

  @Option(names = "--with", paramLabel = "PATH", description = "a jar or class directory of your own kinds; repeatable")
  List<Path> with = new ArrayList<>();

  @Override
  public void run() {
    ProtocolKinds kinds = ProtocolKinds.load(with);
    PrintWriter out = spec.commandLine().getOut();
    kinds.byOrigin().forEach((origin, names) -> {
      out.println("from " + origin + ":");
      names.forEach(name -> out.printf("  %-22s %s; operations %s%n", name, kinds.named(name).description(),
          kinds.named(name).operationNames()));
    });
    out.flush();
  }
}
