package dev.parley.protocols.core;

import akka.serialization.jackson.AkkaSerializationDeserializer;
import akka.serialization.jackson.AkkaSerializationSerializer;
import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field of type {@code Object} that carries a user's message inside a protocol's wire
 * message (a multicast body, a link frame). On the wire it is written with the payload's own Akka
 * serializer (serializer id, manifest, bytes), so any {@link WireMessage} can ride inside another.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
@JacksonAnnotationsInside
@JsonSerialize(using = AkkaSerializationSerializer.class)
@JsonDeserialize(using = AkkaSerializationDeserializer.class)
public @interface Payload {}
