package io.muster.server.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The few facts the state machine reads from a job's canonical JSON (deterministic parsing only). */
final class JobSpecFacts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JobSpecFacts() {}

    static String type(String specJson) {
        try {
            JsonNode n = JSON.readTree(specJson);
            return n.path("type").asText("service");
        } catch (Exception e) {
            return "service";
        }
    }
}
