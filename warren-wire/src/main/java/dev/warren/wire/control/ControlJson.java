package dev.warren.wire.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
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
import dev.warren.wire.key.DiscoKey;
import dev.warren.wire.key.MachineKey;
import dev.warren.wire.key.NodeKey;
import dev.warren.wire.net.IpPrefix;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * The one Jackson configuration for control messages: unknown properties ignored, nulls omitted, keys in their
 * prefixed text form, prefixes as CIDR text, instants as ISO-8601 text.
 *
 * <p>Compression: a message whose first byte is {@value #DEFLATED} (a JSON message starts with {@code '{'}) is a
 * raw DEFLATE stream (RFC 1951, no zlib header or checksum: the channel already authenticates every byte) of the
 * JSON message, at most {@link #MAX_INFLATED} bytes once inflated. The server sends such messages only on map
 * streams whose {@link MapRequest#compress()} asked for {@value MapRequest#DEFLATE}; {@link #decode} accepts both
 * forms everywhere.
 */
public final class ControlJson {
    private static final ObjectMapper MAPPER = build();
    /** First byte of a compressed message. */
    public static final int DEFLATED = 0;
    /** The largest inflated message accepted (a full map of ~100,000 peers). */
    public static final int MAX_INFLATED = 64 << 20;
    /** Jackson buffer sets kept for reuse, shared by all threads. */
    private static final int POOLED_BUFFERS = 64;

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
        if (isCompressed(bytes)) {
            bytes = inflate(bytes);
        }
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

    /** True if {@code bytes} is a compressed message (see the class comment). */
    public static boolean isCompressed(byte[] bytes) {
        return bytes.length > 0 && bytes[0] == DEFLATED;
    }

    /** The JSON text of compressed message {@code bytes}. */
    public static byte[] inflate(byte[] bytes) throws MalformedMessageException {
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(bytes, 1, bytes.length - 1);
            byte[] out = new byte[Math.max(256, Math.min(MAX_INFLATED, bytes.length * 6))];
            int n = 0;
            while (!inf.finished()) {
                if (n == out.length) {
                    if (out.length >= MAX_INFLATED) {
                        throw new MalformedMessageException("control message: inflates beyond " + MAX_INFLATED
                                + " bytes");
                    }
                    out = Arrays.copyOf(out, (int) Math.min(MAX_INFLATED, out.length * 2L));
                }
                int k = inf.inflate(out, n, out.length - n);
                if (k == 0 && !inf.finished() && (inf.needsInput() || inf.needsDictionary())) {
                    throw new MalformedMessageException("control message: truncated DEFLATE stream");
                }
                n += k;
            }
            return n == out.length ? out : Arrays.copyOf(out, n);
        } catch (DataFormatException e) {
            throw new MalformedMessageException("control message: bad DEFLATE stream: " + e.getMessage());
        } finally {
            inf.end();
        }
    }

    /** A stream of the JSON text of compressed message {@code bytes}, inflated as it is read (to read a head). */
    public static InputStream inflating(byte[] bytes) {
        return new InflaterInputStream(new ByteArrayInputStream(bytes, 1, bytes.length - 1), new Inflater(true));
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
        m.addSerializer(DiscoKey.class, toStringSerializer(DiscoKey.class));
        m.addDeserializer(DiscoKey.class, parser(DiscoKey::parse));
        m.addSerializer(MachineKey.class, toStringSerializer(MachineKey.class));
        m.addDeserializer(MachineKey.class, parser(MachineKey::parse));
        m.addSerializer(IpPrefix.class, toStringSerializer(IpPrefix.class));
        m.addDeserializer(IpPrefix.class, parser(IpPrefix::parse));
        m.addSerializer(Instant.class, toStringSerializer(Instant.class));
        m.addDeserializer(Instant.class, parser(Instant::parse));
        // Jackson's default buffer pool is per thread: with a virtual thread per connection and per map stream it
        // kept ~16 KB of buffers for each of 20,000 threads (~400 MB of a 10,000-node server's heap). One bounded
        // pool shared by all threads recycles as well.
        JsonFactory factory = JsonFactory.builder().recyclerPool(JsonRecyclerPools.newBoundedPool(POOLED_BUFFERS))
                .build();
        return JsonMapper.builder(factory)
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
