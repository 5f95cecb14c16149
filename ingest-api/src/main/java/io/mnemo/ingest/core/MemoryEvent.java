package io.mnemo.ingest.core;

/** An event ingest appends to the log; every one belongs to one user of one tenant. */
public sealed interface MemoryEvent permits MemoryCaptured, MemoryRevised, MemoryForgotten, UserErased, MediaStaged {
    EventId eventId();

    TenantId tenant();

    UserId user();
}
