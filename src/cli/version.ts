import { createRequire } from 'node:module';

/** The package version; package.json is two levels up from both src/cli and dist/cli. */
export function packageVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}
