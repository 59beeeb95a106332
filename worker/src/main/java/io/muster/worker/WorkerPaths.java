package io.muster.worker;

import io.muster.types.config.WorkerConfig;
import java.nio.file.Path;

/**
 * Where the worker keeps its files, derived from the configuration (the on-disk layout is part of the contract):
 * {@code <data_dir>/worker/identity} (or the configured {@code identity_dir}), {@code <data_dir>/worker/state.json}
 * and {@code <data_dir>/allocs/<task key>}. It exists so that checking the configuration and resolving the layout
 * happen once, before anything starts.
 *
 * @param dataDir absolute, normalised {@code data_dir}
 * @param identityDir the identity files
 * @param stateDir holds {@code state.json}
 * @param allocRoot one directory per task
 */
record WorkerPaths(Path dataDir, Path identityDir, Path stateDir, Path allocRoot) {

    /** @throws WorkerException if the configuration lacks what a worker needs */
    static WorkerPaths of(WorkerConfig config) {
        if (config.dataDir() == null) {
            throw new WorkerException("the worker configuration has no data_dir");
        }
        if (config.servers().isEmpty() && !config.discovery().enabled()) {
            throw new WorkerException("the worker configuration lists no servers; add the servers' worker_grpc_addr to servers"
                    + " (or set discover: true to find them on the LAN)");
        }
        Path dataDir = config.dataDir().toAbsolutePath().normalize();
        Path identityDir = config.identityDir() != null ? config.identityDir() : dataDir.resolve("worker").resolve("identity");
        return new WorkerPaths(dataDir, identityDir, dataDir.resolve("worker"), dataDir.resolve("allocs"));
    }
}
