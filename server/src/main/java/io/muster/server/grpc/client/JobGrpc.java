package io.muster.server.grpc.client;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.muster.proto.client.v1.CancelJobRequest;
import io.muster.proto.client.v1.CancelJobResponse;
import io.muster.proto.client.v1.GetJobRequest;
import io.muster.proto.client.v1.Job;
import io.muster.proto.client.v1.JobServiceGrpc;
import io.muster.proto.client.v1.ListJobsRequest;
import io.muster.proto.client.v1.ListJobsResponse;
import io.muster.proto.client.v1.LogChunk;
import io.muster.proto.client.v1.StopJobRequest;
import io.muster.proto.client.v1.StopJobResponse;
import io.muster.proto.client.v1.StreamLogsRequest;
import io.muster.proto.client.v1.SubmitJobRequest;
import io.muster.server.TaskLogs;
import io.muster.server.service.JobsService;
import io.muster.server.service.LogSelection;
import io.muster.types.job.SpecFormat;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** {@code muster.client.v1.JobService} over {@link JobsService}: any server answers; writes reach the leader through Raft. */
final class JobGrpc extends JobServiceGrpc.JobServiceImplBase {
    private final JobsService jobs;
    private final TaskLogs logs;
    private final int maxLogStreams;
    private final AtomicInteger logStreams = new AtomicInteger();

    /** @param maxLogStreams log streams this server serves at once; more are refused RESOURCE_EXHAUSTED */
    JobGrpc(JobsService jobs, TaskLogs logs, int maxLogStreams) {
        this.jobs = jobs;
        this.logs = logs;
        this.maxLogStreams = maxLogStreams;
    }

    int openLogStreams() {
        return logStreams.get();
    }

    @Override
    public void submitJob(SubmitJobRequest req, StreamObserver<Job> out) {
        SpecFormat format = switch (req.getFormat()) {
            case SPEC_FORMAT_JSON -> SpecFormat.JSON;
            case SPEC_FORMAT_YAML -> SpecFormat.YAML;
            default -> null;
        };
        Errors.answerAsync(out, () -> jobs.submit(req.getSpec(), format, req.getSource()).thenApply(ProtoViews::job));
    }

    @Override
    public void runCommand(io.muster.proto.client.v1.RunCommandRequest req, StreamObserver<Job> out) {
        String target = req.getTarget().isEmpty() ? "all" : req.getTarget();
        Errors.answerAsync(out, () -> jobs.oneShot(target, req.getCommandList()).thenApply(ProtoViews::job));
    }

    @Override
    public void getJob(GetJobRequest req, StreamObserver<Job> out) {
        Errors.answer(out, () -> ProtoViews.job(jobs.get(req.getId())));
    }

    @Override
    public void listJobs(ListJobsRequest req, StreamObserver<ListJobsResponse> out) {
        Errors.answer(out, () -> ProtoViews.jobs(jobs.list(req.getOffset() < 0 ? Integer.MAX_VALUE : req.getOffset(), Limits.page(req.getLimit(), "limit"))));
    }

    @Override
    public void stopJob(StopJobRequest req, StreamObserver<StopJobResponse> out) {
        Errors.answerAsync(out, () -> jobs.stop(req.getId(), req.getPurge()).thenApply(o -> switch (o) {
            case JobsService.StopOutcome.Stopped s -> StopJobResponse.newBuilder().setId(s.job().id()).setStatus(s.job().status())
                    .setJob(ProtoViews.job(s.job())).build();
            case JobsService.StopOutcome.Purged p -> StopJobResponse.newBuilder().setId(p.id()).setStatus("purged")
                    .setAllocationsRemoved(p.allocationsRemoved()).build();
        }));
    }

    @Override
    public void cancelJob(CancelJobRequest req, StreamObserver<CancelJobResponse> out) {
        Errors.answerAsync(out, () -> jobs.cancel(req.getId())
                .thenApply(c -> CancelJobResponse.newBuilder().setId(c.id()).setStatus("cancelled").setIndex(c.index()).build()));
    }

    @Override
    public void streamLogs(StreamLogsRequest req, StreamObserver<LogChunk> out) {
        var call = (ServerCallStreamObserver<LogChunk>) out;
        if (logStreams.incrementAndGet() > maxLogStreams) {
            logStreams.decrementAndGet();
            out.onError(Status.RESOURCE_EXHAUSTED.withDescription("TOO_MANY_STREAMS: this server already serves " + maxLogStreams
                    + " log streams; retry later").asRuntimeException());
            return;
        }
        try {
            boolean stdout = req.getStream() != io.muster.proto.client.v1.LogStream.LOG_STREAM_STDERR;
            boolean stderr = req.getStream() == io.muster.proto.client.v1.LogStream.LOG_STREAM_STDERR
                    || req.getStream() == io.muster.proto.client.v1.LogStream.LOG_STREAM_BOTH;
            Integer tailLines = req.getTailCase() == StreamLogsRequest.TailCase.TAIL_LINES ? req.getTailLines() : null;
            if (tailLines != null && (tailLines < 0 || tailLines > 1_000_000))
                throw new io.muster.server.service.ServiceException(400, "BAD_REQUEST", "tail_lines must be between 0 and 1000000");
            Duration since = req.getSinceSecs() > 0 ? Duration.ofSeconds(Math.min(req.getSinceSecs(), 10L * 365 * 86_400)) : null;
            var template = new LogSelection(req.getFollow(), stdout, stderr, req.getTask(), tailLines,
                    req.getTailCase() == StreamLogsRequest.TailCase.TAIL_ALL && req.getTailAll(), since).request(jobs.clock());
            var allocs = jobs.logAllocations(req.getJobId(), req.getAllocId());
            LogStreamGrpc.serve(call, logs, allocs, template, new Runnable() {
                private final java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();

                @Override
                public void run() {
                    if (once.compareAndSet(false, true)) logStreams.decrementAndGet();
                }
            });
        } catch (RuntimeException e) {
            logStreams.decrementAndGet();
            out.onError(Errors.toStatus(e));
        }
    }
}
