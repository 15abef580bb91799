import type { Migration } from '../migrations.js';
import { migration001 } from './001_core.js';
import { migration002 } from './002_outbox_health.js';
import { migration004 } from './004_delivery.js';
import { migration005 } from './005_template_soft_delete.js';

/**
 * Every migration the code knows, in version order. To add one: create `NNN_name.ts` exporting a
 * `Migration` (forward-only; never edit one that has shipped) and list it here.
 */
export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  // Version 3 belongs to the browser artifacts migration (003_browser.ts), developed on another
  // branch; this no-op keeps the list contiguous until that migration takes its place.
  { version: 3, name: 'reserved', sqlite: '', postgres: '' },
  migration004,
  migration005,
];
