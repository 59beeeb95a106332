package io.muster.server.leader;

import java.util.concurrent.CompletableFuture;

/** What the REST API may ask of garbage collection: a run now, every threshold at zero ({@code muster system gc}). */
public interface GarbageCollection {
    CompletableFuture<GcService.Outcome> collectNow();
}
