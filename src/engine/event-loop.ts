/**
 * Lets timers, I/O callbacks and signal handlers run. The SQLite driver is synchronous, so a
 * loop of store calls never yields on its own; the scheduler and worker call this between units
 * of work so heartbeats, deadlines and SIGTERM are not starved under load.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
