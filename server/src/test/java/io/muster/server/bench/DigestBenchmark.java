package io.muster.server.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.muster.server.acl.AclPolicy;
import io.muster.server.state.ClusterState;
import io.muster.server.state.Records.AclTokenRecord;
import io.muster.server.state.Records.AllocRecord;
import io.muster.server.state.Records.ClusterIdentity;
import io.muster.server.state.Records.GroupFailureRecord;
import io.muster.server.state.Records.JobRecord;
import io.muster.server.state.Records.JoinTokenRecord;
import io.muster.server.state.Records.KvEntry;
import io.muster.server.state.Records.NodeRecord;
import io.muster.server.state.Records.ServerRecord;
import io.muster.server.state.StateDigest;
import io.muster.server.state.StateImage;
import io.muster.types.state.AllocStatus;
import io.muster.types.state.DrainState;
import io.muster.types.state.NodeStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a state digest costs at 10,000 nodes and 100,000 allocations (1,000 jobs): the copy taken on the apply thread
 * ({@link ClusterState#image()}), the hash of that copy (off the apply thread), and the hash of the live state. Not in
 * the default run:
 * {@code ./mvnw -B -o -pl server -am test -Dtest=DigestBenchmark -Dsurefire.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("benchmark")
class DigestBenchmark {
    static final int NODES = 10_000, JOBS = 1_000, ALLOCS = 100_000, KV = 1_000;

    static StateImage image() {
        List<NodeRecord> nodes = new ArrayList<>();
        for (int i = 1; i <= NODES; i++) {
            Map<String, String> labels = new TreeMap<>(Map.of("rack", "r" + i % 40, "zone", "z" + i % 3, "team", "infra"));
            nodes.add(new NodeRecord(i, NodeStatus.READY, true, "linux", "amd64", labels, 16, 48_000, 65_536, List.of("exec", "docker"),
                    "worker-" + i + ".example.internal", "0.1.0", "tok-1", String.format("%064x", i), 1_700_000_000_000L + i,
                    1_700_000_100_000L + i, DrainState.NONE, 0, "", String.format("%032x", i * 31L), 1_700_259_200_000L, String.format("%032x", i * 17L), Map.of(),
                    true, "cgroup v2 at /sys/fs/cgroup/muster (memory, cpu, pids)"));
        }
        String spec = "{\"id\":\"job-%d\",\"type\":\"service\",\"groups\":[{\"name\":\"web\",\"count\":100,\"tasks\":[{\"name\":\"app\","
                + "\"driver\":\"docker\",\"config\":{\"image\":\"registry.example/app:1.2.3\"},\"resources\":{\"cpu\":250,\"memory\":256}}]}]}";
        List<JobRecord> jobs = new ArrayList<>();
        for (int j = 0; j < JOBS; j++)
            jobs.add(new JobRecord("job-" + j, "service", spec.formatted(j), 3, 1_700_000_000_000L + j, false,
                    j % 10 == 0 ? List.of(new GroupFailureRecord("web", 2, NODES, Map.of("resources", 2))) : List.of(), 0, 5_000 + j, null));
        List<AllocRecord> allocs = new ArrayList<>();
        for (int a = 0; a < ALLOCS; a++)
            allocs.add(new AllocRecord(String.format("%08x-%04x-4%03x-8%03x-%012x", a, a % 65_536, a % 4_096, a % 4_096, (long) a * 7919),
                    "job-" + a % JOBS, 3, "web", a / JOBS, 1 + a % NODES, 250, 256, true, "", AllocStatus.RUNNING, 0, "", 1_700_000_200_000L + a,
                    0, 0, "", 10_000 + a, 20_000 + a, "", null));
        List<KvEntry> kv = new ArrayList<>();
        for (int k = 0; k < KV; k++) kv.add(new KvEntry("key-" + k, new byte[64], k));
        byte[] cert = new byte[900];
        Arrays.fill(cert, (byte) 7);
        return new StateImage(StateImage.FORMAT, 2, 1_000_000, NODES + 1, new ClusterIdentity("c-bench", cert, cert, new byte[600], 1),
                List.of(new ServerRecord(1, "10.0.0.1:3669", "10.0.0.1:3670", "10.0.0.1:3671", "0.1.0")),
                List.of(new AclTokenRecord("boot", "ab".repeat(32), AclPolicy.MANAGEMENT, "bootstrap token", 1)),
                List.of(new JoinTokenRecord("tok-1", Long.MAX_VALUE, 0, NODES, Map.of("pool", "a"), 1, false, "")),
                nodes, jobs, allocs, kv, List.of());
    }

    interface Body {
        Object run();
    }

    /** Sorted run times in microseconds. On a shared machine the minimum is the better estimate; both are printed. */
    static double[] micros(Body b, int runs) {
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            b.run();
            t[i] = (System.nanoTime() - t0) / 1_000.0;
        }
        Arrays.sort(t);
        return t;
    }

    static void print(String what, double[] t, int records) {
        double min = t[0], median = t[t.length / 2];
        System.out.printf("  %-48s min %,9.0f us (%.3f us/record), median %,9.0f us (%.3f us/record)%n", what, min, min / records, median,
                median / records);
    }

    @Test
    void digestCost() {
        ClusterState state = new ClusterState();
        state.restore(image());
        int records = NODES + JOBS + ALLOCS + KV + 3;
        for (int i = 0; i < 5; i++) assertEquals(StateDigest.of(state), StateDigest.of(state.image())); // warm-up
        StateImage copy = state.image();
        double[] copyUs = micros(state::image, 21);
        double[] hashCopyUs = micros(() -> StateDigest.of(copy), 15);
        double[] hashLiveUs = micros(() -> StateDigest.of(state), 15);
        System.out.printf("%nstate digest at %,d nodes, %,d jobs, %,d allocations, %,d KV entries (%,d records), Java %s, %d cores:%n", NODES, JOBS,
                ALLOCS, KV, records, Runtime.version(), Runtime.getRuntime().availableProcessors());
        print("copy on the apply thread (ClusterState.image)", copyUs, records);
        print("hash of that copy (off the apply thread)", hashCopyUs, records);
        print("hash of the live state (on the apply thread)", hashLiveUs, records);
    }
}
