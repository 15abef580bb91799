import type { Clock } from '../clock.js';
import type { SecretBox } from '../config/secrets.js';
import type { ArtifactStore } from '../runtime/artifacts.js';
import type { TemplateRunner } from '../runtime/runner.js';
import type { Store } from '../store/store.js';
import type { RunMetrics } from '../telemetry/metrics.js';

/** What route modules work with. */
export interface ApiContext {
  store: Store;
  clock: Clock;
  /** Template kinds this node can validate (and run). */
  runners: readonly TemplateRunner[];
  /** Null when no master key is configured: secret routes answer 503 and say how to set one. */
  secretBox: SecretBox | null;
  /** Where artifact bytes are kept; null when this node has none (artifact downloads answer 503). */
  artifacts: ArtifactStore | null;
  /** Told about runs the API made terminal (cancels); null when this node keeps no metrics. */
  metrics: RunMetrics | null;
}
