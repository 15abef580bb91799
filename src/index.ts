/** agentcron as a library: the engine, the store, the clock and the spec math. */
export { FakeClock, SystemClock, type Clock } from './clock.js';
export * from './spec/index.js';
export { openStore } from './store/open.js';
export type * from './store/store.js';
export { ConflictError, NotFoundError } from './store/store.js';
export type * from './store/types.js';
export { Engine, type EngineOptions } from './engine/engine.js';
export { Scheduler, type SchedulerOptions } from './engine/scheduler.js';
export { Worker, type WorkerOptions } from './engine/worker.js';
export { backfill, triggerRun, type BackfillRequest, type TriggerRequest } from './engine/operations.js';
export { HttpRunner } from './runtime/http.js';
export { RunFailure } from './runtime/failure.js';
export type { AttemptContext, TemplateRunner } from './runtime/runner.js';
export { applyConfig } from './config/apply.js';
export { loadConfigFile, parseConfig, ConfigError } from './config/load.js';
export { defineTemplate, type ScriptContext, type ScriptTemplate } from './runtime/script/define.js';
export { ScriptRunner, type ScriptRunnerDeps } from './runtime/script/script-runner.js';
export { AgentRunner, type AgentRunnerDeps } from './agent/agent-runner.js';
