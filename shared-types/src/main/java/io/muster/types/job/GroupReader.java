package io.muster.types.job;

import static io.muster.types.job.JobSpecLimits.*;

import io.muster.types.yaml.SourceTree.Node;
import io.muster.types.yaml.SourceTree.Obj;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads one task group of a job spec: name, count, placement, constraints, policies and its tasks. */
final class GroupReader extends SpecValues {
    static final List<String> GROUP_KEYS =
            List.of("name", "count", "placement", "constraints", "restart", "reschedule", "tasks");

    private final PolicyReader policies;
    private final TaskReader tasks;
    private final ConstraintReader constraints;

    GroupReader(List<SpecError> errors) {
        super(errors);
        this.policies = new PolicyReader(errors);
        this.tasks = new TaskReader(errors);
        this.constraints = new ConstraintReader(errors);
    }

    TaskGroup read(Node node, String path, JobType type, Map<String, String> seenNames) {
        Obj obj = object(node, path);
        if (obj == null) {
            return null;
        }
        int before = errors.size();
        Fields f = new Fields(obj, path, GROUP_KEYS);
        String name = requiredName(f, "name");
        unique(name, "group", f, seenNames);

        int count = 1;
        if (f.has("count")) {
            Integer c = type.perNode()
                    ? intIn(f.get("count"), f.path("count"), 1, 1,
                    "must be 1 for " + type.key() + " jobs, which run one allocation per feasible node")
                    : intIn(f.get("count"), f.path("count"), 0, MAX_COUNT);
            count = c == null ? 1 : c;
        }
        PlacementStrategy placement = f.has("placement")
                ? choice(f.get("placement"), f.path("placement"), PlacementStrategy::fromKey,
                keys(PlacementStrategy.values(), PlacementStrategy::key))
                : PlacementStrategy.PACK;
        List<Constraint> constraints = this.constraints.read(f, "constraints");
        RestartPolicy restart = f.has("restart")
                ? policies.restart(f.get("restart"), f.path("restart"), RestartPolicy.defaultFor(type))
                : RestartPolicy.defaultFor(type);
        ReschedulePolicy reschedule = f.has("reschedule")
                ? policies.reschedule(f.get("reschedule"), f.path("reschedule"), ReschedulePolicy.defaultFor(type))
                : ReschedulePolicy.defaultFor(type);

        List<TaskSpec> taskList = new ArrayList<>();
        if (!f.has("tasks")) {
            f.missing("tasks", "is required: a group needs at least one task");
        } else {
            List<Node> items = list(f.get("tasks"), f.path("tasks"), 1, MAX_TASKS, "task");
            Map<String, String> seen = new HashMap<>();
            for (int i = 0; items != null && i < items.size(); i++) {
                TaskSpec t = tasks.read(items.get(i), f.path("tasks") + "[" + i + "]", seen);
                if (t != null) {
                    taskList.add(t);
                }
            }
        }
        return errors.size() == before
                ? new TaskGroup(name, count, placement, constraints, restart, reschedule, taskList)
                : null;
    }
}
