package dev.parley.protocols.core;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;

/**
 * Whatever can start an actor: an {@code ActorTestKit} ({@code testKit::spawn}), an actor's context
 * ({@code context::spawn}). Lets hosts build link stacks and groups without caring where they run.
 */
@FunctionalInterface
public interface Spawner {
  <T> ActorRef<T> spawn(Behavior<T> behavior, String name);
}
