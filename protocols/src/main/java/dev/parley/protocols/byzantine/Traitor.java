package dev.parley.protocols.byzantine;

import dev.parley.protocols.core.NodeId;
import java.util.List;

/**
 * How a Byzantine (traitorous) node behaves in {@link OralMessages} and {@link SignedMessages}; a
 * loyal node has no entry in the settings' traitor map.
 *
 * <ul>
 *   <li>{@link #LIE}: sends the opposite of what it should (value {@code 1 - v}); under signatures
 *       it alters the value of a chain it relays, which breaks the chain's signatures.
 *   <li>{@link #SILENT}: sends nothing at all (the receivers fall back on the default).
 *   <li>{@link #CONFLICTING}: sends {@code v} to receivers at an even position in the group's id
 *       order and {@code 1 - v} to those at an odd one.
 * </ul>
 */
public enum Traitor {
  LIE,
  SILENT,
  CONFLICTING;

  /** The value this traitor sends {@code receiver} instead of {@code value}, or null for none. */
  Integer corrupt(int value, NodeId receiver, List<NodeId> members) {
    return switch (this) {
      case LIE -> 1 - value;
      case SILENT -> null;
      case CONFLICTING -> members.indexOf(receiver) % 2 == 0 ? value : 1 - value;
    };
  }
}
