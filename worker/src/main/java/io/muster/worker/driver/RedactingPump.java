package io.muster.worker.driver;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;

/**
 * Copies one of a task's output pipes into its {@link StreamBuffer} (memory and log file) through the task's
 * {@link SecretRedactor}: no byte reaches the buffer, the file or anything read from them before it was scrubbed.
 * What a read leaves held back (a possible start of a secret) is flushed, redacted, at the end of the stream.
 */
final class RedactingPump {
    private RedactingPump() {}

    /** Starts copying on a virtual thread; the future completes once the pipe is drained and the last bytes flushed. */
    static CompletableFuture<Void> start(InputStream in, StreamBuffer target, SecretRedactor redactor, String name) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name(name).start(() -> {
            SecretRedactor.Stream stream = redactor.stream();
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) target.append(stream.write(buf, 0, n));
            } catch (IOException e) {
                // the pipe closed under us (the process group was killed): what was read is kept
            } finally {
                target.append(stream.flush());
                done.complete(null);
            }
        });
        return done;
    }
}
