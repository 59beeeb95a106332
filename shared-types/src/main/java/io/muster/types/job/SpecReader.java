package io.muster.types.job;

import static io.muster.types.job.JobSpecLimits.*;

import io.muster.types.yaml.SourceTree.Node;
import io.muster.types.yaml.SourceTree.Obj;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Turns a {@link io.muster.types.yaml.SourceTree} into a {@link JobSpec}, validating as it goes and collecting every
 * error with its path and location. A record is built only for a subtree that produced no error, so records never
 * see bad data. This reads the job's own keys; each section has its reader: {@link GroupReader} (with
 * {@link PolicyReader} for restart and reschedule), {@link TaskReader} (with env and resources),
 * {@link ConstraintReader} and, for type {@code operation}, {@link OperationReader}.
 */
final class SpecReader extends SpecValues {
    static final List<String> JOB_KEYS = Stream.concat(
            Stream.of("id", "type", "priority", "timeout", "constraints", "groups"), OperationReader.OPERATION_KEYS.stream()).toList();

    private final Supplier<String> idGenerator;
    private final GroupReader groups;
    private final ConstraintReader constraints;
    private final OperationReader operations;

    SpecReader(List<SpecError> errors, Supplier<String> idGenerator) {
        super(errors);
        this.idGenerator = idGenerator;
        this.groups = new GroupReader(errors);
        this.constraints = new ConstraintReader(errors);
        this.operations = new OperationReader(errors);
    }

    JobSpec readJob(Node root) {
        if (!(root instanceof Obj obj)) {
            error("", root.loc(), "a job spec must be a mapping of keys to values, not " + describe(root));
            return null;
        }
        int before = errors.size();
        Fields f = new Fields(obj, "", JOB_KEYS);

        JobType type = f.has("type")
                ? choice(f.get("type"), f.path("type"), JobType::fromKey, keys(JobType.values(), JobType::key))
                : JobType.SERVICE;
        JobType typeForDefaults = type == null ? JobType.SERVICE : type;

        String id = null;
        if (f.has("id")) {
            id = name(f.get("id"), f.path("id"));
        } else if (idGenerator == null) {
            f.missing("id", "is required (no id generator was supplied to the parser)");
        } else {
            id = idGenerator.get();
            if (id == null || !NAME.matcher(id).matches()) {
                throw new IllegalStateException("the id generator produced an invalid job id: " + id);
            }
        }
        Integer priority = f.has("priority")
                ? intIn(f.get("priority"), f.path("priority"), MIN_PRIORITY, MAX_PRIORITY)
                : Integer.valueOf(DEFAULT_PRIORITY);
        Duration timeout = f.has("timeout") ? duration(f.get("timeout"), f.path("timeout"), 1) : null;
        List<Constraint> constraints = this.constraints.read(f, "constraints");

        List<TaskGroup> groupList = new ArrayList<>();
        OperationSpec operation = null;
        if (type == JobType.OPERATION) {
            if (f.has("groups")) {
                error(f.path("groups"), f.keyLoc("groups"), "is not valid for type operation: an operation has steps, "
                        + "not groups");
            }
            operation = operations.read(f);
        } else if (!f.has("groups")) {
            // With a bad type and steps, the author meant an operation: the type's error is enough.
            if (type != null || !f.has("steps")) {
                f.missing("groups", "is required: a job needs at least one group");
            }
        } else {
            List<Node> items = list(f.get("groups"), f.path("groups"), 1, MAX_GROUPS, "group");
            Map<String, String> seen = new HashMap<>();
            for (int i = 0; items != null && i < items.size(); i++) {
                String path = f.path("groups") + "[" + i + "]";
                TaskGroup g = groups.read(items.get(i), path, typeForDefaults, seen);
                if (g != null) {
                    groupList.add(g);
                }
            }
        }
        if (type != null && type != JobType.OPERATION) {
            for (String key : OperationReader.OPERATION_KEYS) {
                if (f.has(key)) {
                    error(f.path(key), f.keyLoc(key), "is only valid for type operation (this job's type is "
                            + type.key() + ")");
                }
            }
        }
        return errors.size() == before
                ? new JobSpec(id, type, priority, timeout, constraints, groupList, operation)
                : null;
    }
}
