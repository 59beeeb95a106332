package io.muster.worker.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.muster.pki.pem.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and atomically replaces {@code state.json}. The file is mode 0600: group specs can carry secrets in task
 * environments. A corrupt file is moved aside (not deleted) and the worker starts from an empty state, which the
 * server's full snapshot then repairs.
 */
public final class StateStore {
    private static final Logger log = LoggerFactory.getLogger(StateStore.class);
    public static final String FILE_NAME = "state.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path file;

    public StateStore(Path dir) {
        this.file = dir.resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    public Optional<WorkerState> load() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            WorkerState state = JSON.readValue(bytes, WorkerState.class);
            if (state.version() != WorkerState.CURRENT_VERSION) {
                throw new IOException("unsupported state version " + state.version());
            }
            return Optional.of(state);
        } catch (IOException e) {
            // Real time only to name the copy set aside uniquely; nothing is decided by it.
            Path aside = file.resolveSibling(FILE_NAME + ".corrupt-" + System.currentTimeMillis());
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            log.error("{} is unreadable ({}); moved it to {} and starting from an empty state", file,
                    e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage(), aside);
            return Optional.empty();
        }
    }

    public void save(WorkerState state) throws IOException {
        Files.createDirectories(file.getParent());
        AtomicFiles.writeSecret(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
    }
}
