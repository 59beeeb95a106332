package io.muster.types.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.types.config.ConfigException;
import io.muster.types.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DiscoverySettingsTest {
    private static final Duration S = Duration.ofSeconds(1);

    @Test
    void defaultsAreOffOnTheOrganisationLocalGroup() {
        DiscoverySettings d = DiscoverySettings.DEFAULTS;
        assertFalse(d.enabled());
        assertEquals("239.255.77.77", d.group());
        assertEquals(3672, d.port());
    }

    @Test
    void refusesNonMulticastGroupsAndFloodingRates() {
        assertThrows(IllegalArgumentException.class, () -> new DiscoverySettings(true, "10.0.0.1", 3672, S, S, S));
        assertThrows(IllegalArgumentException.class, () -> new DiscoverySettings(true, "240.0.0.1", 3672, S, S, S));
        assertThrows(IllegalArgumentException.class, () -> new DiscoverySettings(true, "239.255.77.77", 0, S, S, S));
        assertThrows(IllegalArgumentException.class,
                () -> new DiscoverySettings(true, "239.255.77.77", 3672, Duration.ofMillis(10), S, S));
        assertThrows(IllegalArgumentException.class,
                () -> new DiscoverySettings(true, "239.255.77.77", 3672, S, S, Duration.ofSeconds(2)));
    }

    @Test
    void serverFileTurnsAnnouncingOn() throws Exception {
        var cfg = ConfigLoader.loadServer("""
                data_dir: /tmp/x
                discovery: {announce: true, port: 4000, interval: 2}
                """, "server.yaml", null);
        assertTrue(cfg.discovery().enabled());
        assertEquals(4000, cfg.discovery().port());
        assertEquals(Duration.ofSeconds(2), cfg.discovery().interval());
        assertFalse(ConfigLoader.loadServer("data_dir: /tmp/x\n", "s.yaml", null).discovery().enabled());
    }

    @Test
    void workerFileDiscoversWithoutServers() throws Exception {
        var cfg = ConfigLoader.loadWorker("""
                data_dir: /tmp/w
                cluster:
                  mode: worker-tier
                  role: worker
                  discover: true
                  token_file: /tmp/w/token
                discovery: {wait: 10, settle: 1}
                """, "worker.yaml");
        assertTrue(cfg.discovery().enabled());
        assertTrue(cfg.servers().isEmpty());
        assertEquals(Duration.ofSeconds(10), cfg.discovery().listenFor());
        assertEquals(Path.of("/tmp/w/token"), cfg.tokenFile());
    }

    @Test
    void workerFileStillNeedsServersWithoutDiscover() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadWorker("""
                cluster: {mode: worker-tier, role: worker}
                """, "worker.yaml"));
        assertTrue(e.getMessage().contains("discover: true"), e.getMessage());
    }

    @Test
    void eachSideRefusesTheOthersKeys() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadWorker("""
                cluster: {mode: worker-tier, role: worker, discover: true}
                discovery: {announce: true}
                """, "worker.yaml"));
        assertTrue(e.getMessage().contains("announce"), e.getMessage());
        assertThrows(ConfigException.class, () -> ConfigLoader.loadServer("""
                data_dir: /tmp/x
                discovery: {wait: 3}
                """, "server.yaml", null));
        assertThrows(ConfigException.class, () -> ConfigLoader.loadServer("""
                data_dir: /tmp/x
                discovery: {announce: true, group: 10.1.1.1}
                """, "server.yaml", null));
    }
}
