import type { Migration } from '../migrations.js';
import { migration001 } from './001_core.js';
import { migration002 } from './002_outbox_health.js';
import { migration003 } from './003_browser.js';
import { migration004 } from './004_delivery.js';
import { migration005 } from './005_template_soft_delete.js';
import { migration006 } from './006_trajectories.js';
import { migration007 } from './007_stats.js';

/**
 * Every migration the code knows, in version order. To add one: create `NNN_name.ts` exporting a
 * `Migration` (forward-only; never edit one that has shipped) and list it here.
 */
export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
];
