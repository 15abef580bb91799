/**
 * Preloaded into every `agentcron serve` child of the crash tests (`node --import tsx --import
 * <this file> src/cli/main.ts serve ...`): when the test process that spawned it disappears
 * (the test runner was killed, or crashed), the child kills itself instead of running on as an
 * orphan that keeps writing to the test database. It only watches the parent pid; it changes
 * nothing about how the server behaves, and SIGKILL sent to the child still kills the server.
 */
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
}, 300).unref();
