import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import type { Json } from '../store/types.js';

/** One template's key/value state as steps see it (`{{ state.x }}`, `set: { state: ... }`). */
export interface TemplateState {
  get(key: string): Promise<Json | undefined>;
  set(key: string, value: Json): Promise<void>;
  all(): Promise<Record<string, Json>>;
}

export function templateState(store: Store, clock: Clock, orgId: string, templateId: string): TemplateState {
  return {
    get: (key) => store.state.get(orgId, templateId, key),
    set: (key, value) => store.state.set(orgId, templateId, key, value, clock.now()),
    all: () => store.state.all(orgId, templateId),
  };
}
