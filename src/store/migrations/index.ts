import type { Migration } from '../migrations.js';
import { migration001 } from './001_core.js';
import { migration002 } from './002_outbox_health.js';
import { migration003 } from './003_browser.js';
import { migration006 } from './006_trajectories.js';

/**
 * Every migration the code knows, in version order. To add one: create `NNN_name.ts` exporting a
 * `Migration` (forward-only; never edit one that has shipped) and list it here.
 */
export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  // Versions 4 and 5 belong to migrations developed on other branches (delivery, health);
  // these no-ops keep the list contiguous until those migrations take their places.
  { version: 4, name: 'reserved', sqlite: '', postgres: '' },
  { version: 5, name: 'reserved', sqlite: '', postgres: '' },
  migration006,
];
