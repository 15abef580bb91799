import type { EverySpec, Occurrence } from './types.js';

/**
 * `every` occurrences strictly after `after`: the grid phase + k * interval from the Unix epoch.
 * The grid is in elapsed (UTC) time, so DST never stretches or squeezes it.
 */
export function* intervalOccurrences(spec: Pick<EverySpec, 'everyMs' | 'phaseMs'>, after: number): Generator<Pick<Occurrence, 'nominal' | 'dst'>> {
  const { everyMs, phaseMs } = spec;
  let k = Math.floor((after - phaseMs) / everyMs) + 1;
  for (;;) {
    yield { nominal: phaseMs + k * everyMs, dst: null };
    k++;
  }
}
