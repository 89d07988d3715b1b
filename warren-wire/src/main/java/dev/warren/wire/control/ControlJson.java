package dev.warren.wire.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.warren.wire.MalformedMessageException;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.net.IpPrefix;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The one Jackson configuration for control messages: unknown properties ignored, nulls omitted, keys in their
 * prefixed text form, prefixes as CIDR text, instants as ISO-8601 text.
 */
public final class ControlJson {
    private static final ObjectMapper MAPPER = build();

    private ControlJson() {
    }

    /** The shared, thread-safe mapper (also usable for other JSON the control server and node speak). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static byte[] encode(ControlMessage message) {
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    /** Encodes a part of a message (a {@link Node}, a {@link PeerPatch}) exactly as it appears inside one. */
    public static byte[] encodeValue(Object part) {
        try {
            return MAPPER.writeValueAsBytes(part);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + part.getClass().getSimpleName(), e);
        }
    }

    /** Decodes one message; any problem — bad JSON, unknown type, bad key or prefix — is a MalformedMessageException. */
    public static ControlMessage decode(byte[] bytes) throws MalformedMessageException {
        ControlMessage m;
        try {
            m = MAPPER.readValue(bytes, ControlMessage.class);
        } catch (IOException | RuntimeException e) {
            throw new MalformedMessageException("control message: " + firstLine(e.getMessage()));
        }
        if (m == null) {
            throw new MalformedMessageException("control message: empty");
        }
        return m;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static ObjectMapper build() {
        SimpleModule m = new SimpleModule("warren-control");
        m.addSerializer(NodeKey.class, toStringSerializer(NodeKey.class));
        m.addDeserializer(NodeKey.class, parser(NodeKey::parse));
        m.addSerializer(MachineKey.class, toStringSerializer(MachineKey.class));
        m.addDeserializer(MachineKey.class, parser(MachineKey::parse));
        m.addSerializer(IpPrefix.class, toStringSerializer(IpPrefix.class));
        m.addDeserializer(IpPrefix.class, parser(IpPrefix::parse));
        m.addSerializer(Instant.class, toStringSerializer(Instant.class));
        m.addDeserializer(Instant.class, parser(Instant::parse));
        return JsonMapper.builder()
                .addModule(m)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .build();
    }

    private static <T> JsonSerializer<T> toStringSerializer(Class<T> type) {
        return new JsonSerializer<>() {
            @Override
            public void serialize(T value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                gen.writeString(value.toString());
            }

            @Override
            public Class<T> handledType() {
                return type;
            }
        };
    }

    private interface Parse<T> {
        T parse(String text);
    }

    private static <T> JsonDeserializer<T> parser(Parse<T> parse) {
        return new JsonDeserializer<>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                String text = p.getValueAsString();
                if (text == null) {
                    return ctxt.reportInputMismatch(this, "expected a string at %s", p.currentName());
                }
                try {
                    return parse.parse(text);
                } catch (IllegalArgumentException | DateTimeParseException e) {
                    return ctxt.reportInputMismatch(this, "field '%s': %s", p.currentName(), e.getMessage());
                }
            }
        };
    }
}
