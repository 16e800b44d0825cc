package dev.parley.testkit.sim;

import akka.actor.testkit.typed.internal.ActorSystemStub;
import akka.actor.testkit.typed.internal.BehaviorTestKitImpl;
import akka.actor.testkit.typed.javadsl.BehaviorTestKit;
import akka.actor.typed.Behavior;
import com.typesafe.config.ConfigFactory;

/**
 * Makes the {@link BehaviorTestKit} that hosts a node.
 *
 * <p>Akka's public {@code BehaviorTestKit.create} builds a new stub actor system for every kit, and
 * that parses and validates Akka's whole configuration: about half a millisecond. A seeded run pays
 * it once per node start, which is fine; an exploration rebuilds every node for every state it
 * replays, which would spend nearly all its time there. So the kits made by one factory share one
 * stub system, through the constructor Akka's own {@code create} calls ({@code BehaviorTestKitImpl},
 * internal API of Akka 2.8.5, which Parley pins). Actor paths get a uid derived from the node and its
 * incarnation, so references print and hash the same in every replay. Should the internal
 * constructor ever be unavailable, the factory falls back to the public {@code create}.
 */
final class KitFactory {

  private final ActorSystemStub stub;

  KitFactory() {
    this.stub = sharedStubOrNull();
  }

  <T> BehaviorTestKit<T> create(Behavior<T> behavior, String name, int uid) {
    if (stub == null) {
      return BehaviorTestKit.create(behavior, name);
    }
    return new BehaviorTestKitImpl<>(stub, stub.path().child(name).withUid(uid), behavior);
  }

  private static ActorSystemStub sharedStubOrNull() {
    try {
      return new ActorSystemStub(
          "StubbedActorContext",
          ConfigFactory.defaultReference(BehaviorTestKit.class.getClassLoader()));
    } catch (LinkageError | RuntimeException e) {
      return null;
    }
  }
}
