import { describe, expect, it } from 'vitest';
import { maskJson, maskSecrets } from '../../../src/runtime/mask.js';

describe('maskSecrets', () => {
  it('masks every occurrence of each secret', () => {
    expect(maskSecrets('user=demo pass=hunter2 again hunter2', ['hunter2'])).toBe('user=demo pass=*** again ***');
  });

  it('masks the longest secret first so no remainder of it stays in clear', () => {
    expect(maskSecrets('token abc-123-xyz', ['abc', 'abc-123-xyz'])).toBe('token ***');
  });

  it('ignores empty secrets instead of masking between every character', () => {
    expect(maskSecrets('plain text', ['', 'zzz'])).toBe('plain text');
  });

  it('treats secrets as literal text, not patterns', () => {
    expect(maskSecrets('a.b a+b', ['a.b'])).toBe('*** a+b');
  });
});

describe('maskJson', () => {
  it('masks strings and keys at any depth and keeps other values', () => {
    const value = { pw: 's3cret', list: ['x s3cret y', 3, true, null], 's3cret-key': { n: 1 } };
    expect(maskJson(value, ['s3cret'])).toEqual({ pw: '***', list: ['x *** y', 3, true, null], '***-key': { n: 1 } });
  });
});
