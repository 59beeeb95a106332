package io.muster.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.proto.NodeProfile;
import io.muster.server.testkit.TestWorker;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every profile field has a cap, and the refusal names the field and the limit, never the value. */
class ProfileLimitsTest {
    private static final NodeProfile OK = TestWorker.profile("web-1.example.com", Map.of("zone", "a"));

    private static String violation(NodeProfile p) {
        return ProfileLimits.violation(p).orElseThrow(() -> new AssertionError("accepted: " + p.getHostname().length()));
    }

    @Test
    void eachFieldIsCappedAndNamed() {
        assertEquals(Optional.empty(), ProfileLimits.violation(OK));
        assertEquals(Optional.empty(), ProfileLimits.violation(OK.toBuilder().setHostname("h".repeat(253)).build()));
        assertEquals("profile.hostname: 254 characters, at most 253 allowed", violation(OK.toBuilder().setHostname("h".repeat(254)).build()));
        assertTrue(violation(OK.toBuilder().setOs("o".repeat(65)).build()).startsWith("profile.os: 65 characters, at most 64"));
        assertTrue(violation(OK.toBuilder().setArch("a".repeat(65)).build()).startsWith("profile.arch:"));
        assertTrue(violation(OK.toBuilder().setVersion("v".repeat(65)).build()).startsWith("profile.version:"));
        assertTrue(violation(OK.toBuilder().addDrivers("d".repeat(65)).build()).startsWith("profile.drivers[1]:"));
        NodeProfile.Builder many = OK.toBuilder().clearDrivers();
        for (int i = 0; i < 17; i++) many.addDrivers("d" + i);
        assertTrue(violation(many.build()).startsWith("profile.drivers: 17 entries, at most 16"));
        assertTrue(violation(OK.toBuilder().putLabels("k".repeat(64), "v").build()).startsWith("profile.labels: a key of 64 characters, at most 63"));
        String bigValue = violation(OK.toBuilder().putLabels("rack", "secret-looking-" + "x".repeat(300)).build());
        assertTrue(bigValue.startsWith("profile.labels[rack]: 315 characters, at most 256"), bigValue);
        assertTrue(!bigValue.contains("secret-looking"), "the value is never echoed");
        Map<String, String> labels = new HashMap<>();
        for (int i = 0; i < 65; i++) labels.put("k" + i, "v");
        assertTrue(violation(OK.toBuilder().putAllLabels(labels).build()).startsWith("profile.labels: 66 labels, at most 64"));
        assertTrue(violation(OK.toBuilder().setMemoryMb(-1).build()).startsWith("profile.memory_mb"));
        assertEquals(Optional.empty(), ProfileLimits.violation(OK.toBuilder().setLimitsDetail("d".repeat(200)).build()));
        assertEquals("profile.limits_detail: 201 characters, at most 200 allowed",
                violation(OK.toBuilder().setLimitsDetail("d".repeat(201)).build()));
    }
}
