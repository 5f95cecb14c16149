package io.mnemo.ingest.core;

/** One item of a batch: either a valid command, or the reason it could not become one. */
public record BatchItem(CaptureMemory command, IngestException invalid) {
    public static BatchItem of(CaptureMemory command) {
        return new BatchItem(command, null);
    }

    public static BatchItem invalid(IngestException reason) {
        return new BatchItem(null, reason);
    }
}
