package io.muster.server.grpc.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.client.ClusterStatus;
import io.muster.client.JobList;
import io.muster.client.JobStatus;
import io.muster.proto.client.v1.AllocEvent;
import io.muster.proto.client.v1.Allocation;
import io.muster.proto.client.v1.Job;
import io.muster.proto.client.v1.JobSummary;
import io.muster.proto.client.v1.ListJobsResponse;
import io.muster.proto.client.v1.Member;
import io.muster.proto.client.v1.Node;
import io.muster.proto.client.v1.NodeDetail;
import io.muster.proto.client.v1.PlacementFailure;
import io.muster.proto.client.v1.RaftLog;
import io.muster.proto.client.v1.RaftLogEntry;
import io.muster.server.service.ClusterInfoService;
import io.muster.server.service.NodesService;

/** The service layer's records (the API client's, which REST writes as JSON) as the client API's messages. */
final class ProtoViews {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProtoViews() {}

    private static String s(String v) {
        return v == null ? "" : v;
    }

    static Job job(JobStatus j) {
        Job.Builder b = Job.newBuilder().setId(j.id()).setType(s(j.type())).setVersion(j.version()).setStatus(s(j.status()))
                .setSubmittedAt(s(j.submittedAt())).setNextEvalAt(s(j.nextEvalAt()));
        for (JobStatus.Allocation a : j.allocations()) b.addAllocations(alloc(a));
        for (JobStatus.Failure f : j.failures()) {
            PlacementFailure.Builder pf = PlacementFailure.newBuilder().setGroup(s(f.group())).setUnplaced(f.unplaced())
                    .setNodesEvaluated(f.nodesEvaluated());
            f.filtered().forEach(pf::putFiltered);
            b.addFailures(pf);
        }
        if (j.operation() != null) b.setOperationJson(json(j.operation()));
        if (j.results() != null) b.setResultsJson(json(j.results()));
        return b.build();
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + o.getClass().getSimpleName(), e);
        }
    }

    static Allocation alloc(JobStatus.Allocation a) {
        Allocation.Builder b = Allocation.newBuilder().setId(a.id()).setNodeId(a.nodeId()).setStatus(s(a.status())).setJobId(s(a.jobId()))
                .setGroup(s(a.group())).setDesired(s(a.desired())).setMessage(s(a.message())).setAttempt(a.attempt())
                .setJobVersion(a.jobVersion()).setStartedAt(s(a.startedAt())).setFinishedAt(s(a.finishedAt())).setEventsTotal(a.eventsTotal());
        if (a.exitCode() != null) b.setExitCode(a.exitCode());
        if (a.index() != null) b.setIndex(a.index());
        for (io.muster.client.AllocEvent e : a.events())
            b.addEvents(AllocEvent.newBuilder().setTime(s(e.time())).setType(s(e.type())).setMessage(s(e.message())));
        return b.build();
    }

    static ListJobsResponse jobs(JobList l) {
        ListJobsResponse.Builder b = ListJobsResponse.newBuilder().setTotal(l.total());
        if (l.nextOffset() != null) b.setNextOffset(l.nextOffset());
        for (JobList.Summary j : l.jobs()) {
            b.addJobs(JobSummary.newBuilder().setId(j.id()).setType(s(j.type())).setStatus(s(j.status())).setVersion(j.version())
                    .putAllAllocations(j.allocations()).setRuns(s(j.runs())).setSubmittedAt(s(j.submittedAt())));
        }
        return b.build();
    }

    static Node node(io.muster.client.Node n) {
        Node.Builder b = Node.newBuilder().setId(n.id()).setState(s(n.state())).setEligible(n.eligible()).putAllLabels(n.labels())
                .setOs(s(n.os())).setArch(s(n.arch())).setLastHeartbeat(s(n.lastHeartbeat())).setDrain(s(n.drain()))
                .setHostname(s(n.hostname())).addAllDrivers(n.drivers()).setRegisteredAt(s(n.registeredAt()))
                .setStateChangedAt(s(n.stateChangedAt())).setVersion(s(n.version())).setDrainDeadline(s(n.drainDeadline()))
                .setCertNotAfter(s(n.certNotAfter())).setRevokedReason(s(n.revokedReason()));
        if (n.ttlSecs() != null) b.setTtlSecs(n.ttlSecs());
        if (n.cpuMhz() != null) b.setCpuMhz(n.cpuMhz());
        if (n.memoryMb() != null) b.setMemoryMb(n.memoryMb());
        if (n.allocs() != null) b.setAllocs(n.allocs());
        if (n.cpuCores() != null) b.setCpuCores(n.cpuCores());
        return b.build();
    }

    static NodeDetail nodeDetail(NodesService.NodeDetail d) {
        NodeDetail.Builder b = NodeDetail.newBuilder().setNode(node(d.node())).setAllocationsTotal(d.allocationsTotal())
                .setDrainStatus(s(d.drainStatus()))
                .setResourceLimits(io.muster.proto.client.v1.ResourceLimits.newBuilder().setEnforced(d.limitsEnforced()).setDetail(s(d.limitsDetail())));
        for (JobStatus.Allocation a : d.allocations()) {
            io.muster.proto.AllocUsage u = d.usage().get(a.id());
            Allocation view = alloc(a);
            b.addAllocations(u == null ? view : view.toBuilder().setUsage(io.muster.proto.client.v1.AllocUsage.newBuilder()
                    .setMemoryBytes(u.getMemoryBytes()).setMemoryPeakBytes(u.getMemoryPeakBytes()).setMemoryLimitBytes(u.getMemoryLimitBytes())
                    .setCpuSeconds(u.getCpuUsec() / 1e6).setOomKills(u.getOomKills())
                    .setSampledAt(java.time.Instant.ofEpochMilli(u.getSampledUnixMs()).toString())).build());
        }
        return b.build();
    }

    static io.muster.proto.client.v1.ClusterStatus cluster(ClusterStatus c) {
        var b = io.muster.proto.client.v1.ClusterStatus.newBuilder().setClusterId(s(c.clusterId())).setTerm(c.term())
                .setCommitIndex(c.commitIndex()).setAppliedIndex(c.appliedIndex()).setLastIndex(c.lastIndex());
        if (c.leaderId() != null) b.setLeaderId(c.leaderId());
        if (c.serverId() != null) b.setServerId(c.serverId());
        for (ClusterStatus.Member m : c.members()) {
            Member.Builder mb = Member.newBuilder().setId(m.id()).setRaftAddr(s(m.raftAddr())).setApiAddr(s(m.apiAddr())).setRole(s(m.role()))
                    .setHealthy(m.healthy());
            if (m.commitIndex() != null) mb.setCommitIndex(m.commitIndex());
            if (m.lastContactMs() != null) mb.setLastContactMs(m.lastContactMs());
            b.addMembers(mb);
        }
        if (c.alarms() != null) for (ClusterStatus.Alarm a : c.alarms()) b.addAlarms(s(a.message()));
        return b.build();
    }

    static RaftLog raftLog(ClusterInfoService.RaftLogPage p) {
        RaftLog.Builder b = RaftLog.newBuilder().setCommitIndex(p.commitIndex()).setLastIndex(p.lastIndex()).setStartIndex(p.startIndex());
        for (var e : p.entries()) b.addEntries(RaftLogEntry.newBuilder().setIndex(e.index()).setTerm(e.term()).setType(s(e.type())).setSummary(s(e.summary())));
        if (p.nextIndex() != null) b.setNextIndex(p.nextIndex());
        return b.build();
    }
}
