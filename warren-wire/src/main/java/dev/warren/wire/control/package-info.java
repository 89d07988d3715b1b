/**
 * The control protocol's vocabulary: the JSON messages a node and the coordination server exchange over the
 * Noise-encrypted control channel (see {@code warren-channel}), and the typed keys they carry.
 *
 * <p>Every message is a record implementing the sealed {@link dev.warren.wire.control.ControlMessage}; one Jackson
 * configuration ({@link dev.warren.wire.control.ControlJson}) encodes and decodes them, tagging each with a
 * {@code "type"} property and ignoring unknown fields so that older and newer peers interoperate. The compatibility
 * contract is the single integer {@link dev.warren.wire.control.CapabilityVersion#CURRENT}.
 *
 * <p>Conversation on one channel: the node sends {@link dev.warren.wire.control.RegisterRequest} and reads a
 * {@link dev.warren.wire.control.RegisterResponse}; once authorized it sends a streaming
 * {@link dev.warren.wire.control.MapRequest} and reads {@link dev.warren.wire.control.MapResponse}s — first a full
 * map, then deltas — while it may send {@link dev.warren.wire.control.UpdateRequest}s (endpoints, host info) at any
 * time. Errors arrive as {@link dev.warren.wire.control.ErrorMessage}.
 */
package dev.warren.wire.control;
