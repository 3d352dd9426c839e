package io.eventrouter.core.spool;

/**
 * When an {@link MVStoreSpool} syncs appended events to the storage device, and so what an
 * accepted event survives. Every policy survives a killed process, because a committed write
 * sits in the operating system's page cache; they differ only when the operating system or the
 * machine stops.
 */
public enum SyncPolicy {

    /**
     * Syncs every append to the device before the append completes. Appends that arrive
     * together share one sync (group commit), so the cost is one sync per writer cycle rather
     * than one per request. Survives a power loss.
     */
    ALWAYS,

    /**
     * Completes appends once the operating system has them and syncs the file at a fixed
     * interval. A power loss may lose recent appends, including some from before the last sync:
     * MVStore may persist the header of a later commit before its chunk, and then opens the file
     * at an older commit.
     */
    PERIODIC,

    /** Leaves flushing to the operating system. A power loss may lose any recent append. */
    NEVER

}
