import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { failed } from '../../src/delivery/broker-connection.js';
import { lazySdk, SdkLoadError } from '../../src/delivery/sdk-loader.js';

describe('lazySdk', () => {
  it('loads the module on first call only, and hands the same module to every caller', async () => {
    let loads = 0;
    const load = lazySdk('node:path', async () => {
      loads += 1;
      return import('node:path');
    });
    expect(loads).toBe(0);
    const [first, second] = await Promise.all([load(), load()]);
    expect(await load()).toBe(first);
    expect(second).toBe(first);
    expect(typeof first.join).toBe('function');
    expect(loads).toBe(1);
  });

  it('turns a missing package into an SdkLoadError naming it, and a send that is not retried', async () => {
    // A variable specifier, so that the type checker does not look for the package.
    const missing = 'agentcron-package-that-is-not-installed';
    const load = lazySdk(missing, () => import(missing) as Promise<unknown>);
    const error: unknown = await load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SdkLoadError);
    expect((error as Error).message).toContain(`cannot load the client library ${missing}`);
    expect(await load().catch((e: unknown) => e)).toBe(error);

    const outcome = failed('publish to x', error, true);
    expect(outcome).toEqual({ ok: false, retryable: false, error: expect.stringContaining(`publish to x: cannot load the client library ${missing}`) });
    expect(failed('publish to x', new Error('socket hang up'), true)).toMatchObject({ ok: false, retryable: true });
  });
});

describe('start-up cost of the destinations', () => {
  it('importing the config schema (and so every destination) loads none of the client SDKs', () => {
    // A fresh process: this test process may already have loaded the SDKs for other tests.
    const script = `
      import { createRequire } from 'node:module';
      await import(${JSON.stringify(new URL('../../src/config/schema.ts', import.meta.url).href)});
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(['@aws-sdk', 'amqplib', '/nats/', 'ioredis'].filter((sdk) => loaded.some((file) => file.includes(sdk)))));
    `;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(output.trim())).toEqual([]);
  });
});
