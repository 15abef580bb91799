import { describe, expect, it } from 'vitest';
import { decideRequest, hostMatches, isMetadataAddress, NetworkPolicySchema } from '../../src/policy/network.js';

describe('network policy', () => {
  it('blocks file: and other local schemes, allows web and inline ones', () => {
    expect(decideRequest('file:///etc/passwd')).toEqual({ allowed: false, reason: 'file: URLs are blocked' });
    expect(decideRequest('chrome://settings').allowed).toBe(false);
    expect(decideRequest('ftp://example.com/x').allowed).toBe(false);
    expect(decideRequest('https://example.com/').allowed).toBe(true);
    expect(decideRequest('data:text/html,hi').allowed).toBe(true);
    expect(decideRequest('about:blank').allowed).toBe(true);
    expect(decideRequest('not a url').allowed).toBe(false);
  });

  it('blocks link-local and cloud-metadata addresses in every spelling', () => {
    for (const host of ['169.254.169.254', '169.254.0.1', 'metadata.google.internal', 'METADATA.GOOGLE.INTERNAL.', '[fd00:ec2::254]', '[fe80::1]', '[::ffff:169.254.169.254]', '[::ffff:a9fe:a9fe]']) {
      expect(isMetadataAddress(host), host).toBe(true);
      expect(decideRequest(`http://${host}/latest/meta-data/`).allowed, host).toBe(false);
    }
    for (const host of ['169.255.0.1', '10.0.0.1', '127.0.0.1', 'example.com', '[::1]', '[fd00:ec2::253]']) {
      expect(isMetadataAddress(host), host).toBe(false);
    }
  });

  it('applies allow and deny lists, deny first; a pattern covers subdomains', () => {
    const policy = { allow: ['shop.test', '*.cdn.test'], deny: ['admin.shop.test'] };
    expect(decideRequest('https://shop.test/a', policy).allowed).toBe(true);
    expect(decideRequest('https://www.shop.test/a', policy).allowed).toBe(true);
    expect(decideRequest('https://admin.shop.test/a', policy)).toEqual({ allowed: false, reason: 'admin.shop.test is denied by the template (deny: admin.shop.test)' });
    expect(decideRequest('https://img.cdn.test/x.png', policy).allowed).toBe(true);
    expect(decideRequest('https://cdn.test/x.png', policy).allowed).toBe(false);
    expect(decideRequest('https://evilshop.test/', policy).allowed).toBe(false);
    expect(decideRequest('https://other.test/', { deny: ['other.test'] }).allowed).toBe(false);
    expect(decideRequest('https://else.test/', { deny: ['other.test'] }).allowed).toBe(true);
    expect(hostMatches('127.0.0.1', '127.0.0.1')).toBe(true);
  });

  it('rejects malformed patterns with the path', () => {
    const result = NetworkPolicySchema.safeParse({ deny: ['ok.test', 'http://bad/'] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['deny', 1]);
    expect(NetworkPolicySchema.safeParse({ block: [] }).success).toBe(false);
  });
});
