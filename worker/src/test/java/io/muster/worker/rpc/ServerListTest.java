package io.muster.worker.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.config.HostPort;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ServerListTest {
    private static final HostPort A = HostPort.parse("10.0.0.1:4648");
    private static final HostPort B = HostPort.parse("10.0.0.2:4648");
    private static final HostPort LB = HostPort.parse("muster.example.com:4648");

    @Test
    void advanceVisitsEveryServerInTurn() {
        ServerList list = new ServerList(List.of(A, B), new SplittableRandom(1));
        Set<HostPort> seen = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            seen.add(list.advance());
        }
        assertEquals(Set.of(A, B), seen);
    }

    @Test
    void discoveredHintsGiveWayToTheClustersOwnList() {
        HostPort rogue = HostPort.parse("10.6.6.6:3670");
        ServerList list = new ServerList(List.of(rogue, A), List.of(LB), new SplittableRandom(3));
        assertEquals(List.of(rogue, A, LB), list.all());
        list.update(List.of("10.0.0.1:4648", "10.0.0.2:4648"));
        assertEquals(List.of(A, B, LB), list.all(), "a heard address the cluster does not list is dropped; seeds stay");
        assertThrows(IllegalArgumentException.class, () -> new ServerList(List.of(), List.of(), new SplittableRandom(1)));
    }

    @Test
    void aHintThatPassedThePinIsKeptWhenTheClusterAdvertisesOnlyUnreachableAddresses() {
        HostPort heard = HostPort.parse("10.77.0.1:3670");
        ServerList list = new ServerList(List.of(heard), List.of(), new SplittableRandom(3));
        list.update(List.of("127.0.0.1:3670")); // a single server with a loopback API host advertises this
        list.confirm(heard);
        assertEquals(List.of(HostPort.parse("127.0.0.1:3670"), heard), list.all());
        list.update(List.of("127.0.0.1:3670", "10.0.0.2:4648"));
        assertEquals(List.of(HostPort.parse("127.0.0.1:3670"), B, heard), list.all(), "still there after later updates");
    }

    @Test
    void workersStartAtDifferentServers() {
        Set<HostPort> starts = new HashSet<>();
        for (int seed = 0; seed < 50; seed++) {
            starts.add(new ServerList(List.of(A, B), new SplittableRandom(seed)).current());
        }
        assertEquals(Set.of(A, B), starts);
    }

    @Test
    void theAdvertisedListComesFirstAndTheConfiguredAddressesStayAsALastResort() {
        ServerList list = new ServerList(List.of(LB), new SplittableRandom(1));
        assertFalse(list.update(List.of("10.0.0.1:4648", "10.0.0.2:4648")), "the current server is still listed");
        assertEquals(List.of(A, B, LB), list.all());
        assertEquals(LB, list.current(), "a working server is not left just because others were advertised");
        assertEquals(A, list.advance(), "after the seed, failover wraps to the advertised servers");
    }

    @Test
    void aServerDroppedFromTheClusterIsReported() {
        ServerList list = new ServerList(List.of(A), new SplittableRandom(1));
        list.update(List.of("10.0.0.1:4648", "10.0.0.2:4648"));
        list.advance(); // now on B
        assertTrue(list.update(List.of("10.0.0.1:4648")), "B left the cluster");
        assertEquals(A, list.current());
    }

    @Test
    void theCurrentServerIsKeptWhenItIsStillListed() {
        ServerList list = new ServerList(List.of(A, B), new SplittableRandom(1));
        HostPort current = list.current();
        assertFalse(list.update(List.of("10.0.0.2:4648", "10.0.0.1:4648")));
        assertEquals(current, list.current());
    }

    @Test
    void wildcardAndUnparseableAddressesAreSkipped() {
        ServerList list = new ServerList(List.of(A), new SplittableRandom(1));
        assertFalse(list.update(List.of("0.0.0.0:4648", "[::]:4648", "not an address", "10.0.0.2:4648")));
        assertEquals(List.of(B, A), list.all());
        assertFalse(list.update(List.of("0.0.0.0:4648")), "nothing usable: keep the list");
        assertEquals(List.of(B, A), list.all());
    }

    @Test
    void anEmptySeedListIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ServerList(List.of(), new SplittableRandom()));
    }
}
