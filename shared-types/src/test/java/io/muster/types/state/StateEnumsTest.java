package io.muster.types.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Each state enum maps to and from its wire name, rejects any other name, and is written as that name in JSON. */
class StateEnumsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One enum under test: its constants, the names the contract fixes, and its wire functions. */
    private record Case<E extends Enum<E>>(Class<E> type, List<String> wireNames, Function<E, String> wire,
                                           Function<String, E> fromWire, Function<String, Optional<E>> findWire) {
        E[] values() {
            return type.getEnumConstants();
        }
    }

    private static final List<Case<?>> CASES = List.of(
            new Case<>(AllocStatus.class, List.of("pending", "running", "complete", "failed", "lost", "stopped"),
                    AllocStatus::wire, AllocStatus::fromWire, AllocStatus::findWire),
            new Case<>(NodeStatus.class, List.of("initializing", "ready", "draining", "down", "revoked"),
                    NodeStatus::wire, NodeStatus::fromWire, NodeStatus::findWire),
            new Case<>(DrainState.class, List.of("none", "draining", "complete"),
                    DrainState::wire, DrainState::fromWire, DrainState::findWire),
            new Case<>(JobStatus.class, List.of("pending", "running", "complete", "failed", "stopped", "cancelled"),
                    JobStatus::wire, JobStatus::fromWire, JobStatus::findWire));

    @Test
    void wireNamesAreExactlyTheContractsInDeclarationOrder() {
        for (Case<?> c : CASES) assertEquals(c.wireNames(), wireNames(c), c.type().getSimpleName());
    }

    private static <E extends Enum<E>> List<String> wireNames(Case<E> c) {
        return Arrays.stream(c.values()).map(c.wire()).toList();
    }

    @Test
    void everyConstantRoundTripsThroughItsWireName() {
        for (Case<?> c : CASES) roundTrip(c);
    }

    private static <E extends Enum<E>> void roundTrip(Case<E> c) {
        for (E e : c.values()) {
            String w = c.wire().apply(e);
            assertEquals(e, c.fromWire().apply(w));
            assertEquals(Optional.of(e), c.findWire().apply(w));
            assertEquals(w, e.toString(), "toString is the wire name, so text built from a state reads as before");
        }
    }

    @Test
    void unknownNamesAreRejectedWithTheKnownOnesListed() {
        for (Case<?> c : CASES) {
            for (String bad : List.of("", "READY", "Running", "bogus", " none", c.wireNames().getFirst().toUpperCase())) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.fromWire().apply(bad),
                        c.type().getSimpleName() + " accepted \"" + bad + "\"");
                assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
                assertTrue(e.getMessage().contains(String.join(", ", c.wireNames())), e.getMessage());
                assertEquals(Optional.empty(), c.findWire().apply(bad));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.fromWire().apply(null));
            assertTrue(e.getMessage().contains("null"), e.getMessage());
            assertEquals(Optional.empty(), c.findWire().apply(null));
        }
    }

    @Test
    void theMessageNamesWhatWasBeingParsed() {
        assertEquals("unknown node state \"up\" (expected one of: initializing, ready, draining, down, revoked)",
                assertThrows(IllegalArgumentException.class, () -> NodeStatus.fromWire("up")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AllocStatus.fromWire("x")).getMessage().startsWith("unknown allocation status"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DrainState.fromWire("x")).getMessage().startsWith("unknown drain state"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JobStatus.fromWire("x")).getMessage().startsWith("unknown job status"));
    }

    @Test
    void jsonCarriesTheWireName() throws Exception {
        for (Case<?> c : CASES) json(c);
        assertThrows(ValueInstantiationException.class, () -> JSON.readValue("\"READY\"", NodeStatus.class));
    }

    private static <E extends Enum<E>> void json(Case<E> c) throws Exception {
        for (E e : c.values()) {
            String text = JSON.writeValueAsString(e);
            assertEquals("\"" + c.wire().apply(e) + "\"", text);
            assertEquals(e, JSON.readValue(text, c.type()));
        }
    }

    @Test
    void helpers() {
        assertEquals(List.of(AllocStatus.COMPLETE, AllocStatus.FAILED, AllocStatus.LOST, AllocStatus.STOPPED),
                Arrays.stream(AllocStatus.values()).filter(AllocStatus::isTerminal).toList());
        assertEquals(List.of(NodeStatus.DOWN, NodeStatus.REVOKED), Arrays.stream(NodeStatus.values()).filter(NodeStatus::isLost).toList());
        assertEquals(List.of(NodeStatus.REVOKED), Arrays.stream(NodeStatus.values()).filter(NodeStatus::isTerminal).toList());
        assertEquals(List.of(JobStatus.COMPLETE, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELLED),
                Arrays.stream(JobStatus.values()).filter(JobStatus::isTerminal).toList());
        assertFalse(AllocStatus.RUNNING.isTerminal());
    }
}
