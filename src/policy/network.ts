import { z } from 'zod';

/**
 * Which requests an attempt's browser may make (DESIGN.md invariant 7: templates navigate
 * anywhere). Per template: `allow` (when given, only these hosts) and `deny` (never these
 * hosts; wins over allow). Always blocked: `file:` and other local schemes, and link-local /
 * cloud-metadata addresses, which would hand a template the host's cloud credentials.
 *
 * A host pattern `example.com` matches that host and its subdomains; `*.example.com` matches
 * subdomains only. Ports are ignored.
 */
const HostPattern = z
  .string()
  .min(1)
  .regex(/^(\*\.)?[A-Za-z0-9.:\-[\]]+$/, 'a host name, an IP address, or *.domain');

export const NetworkPolicySchema = z
  .object({
    allow: z.array(HostPattern).optional(),
    deny: z.array(HostPattern).optional(),
  })
  .strict();

export type NetworkPolicy = z.infer<typeof NetworkPolicySchema>;

export type RequestDecision = { allowed: true } | { allowed: false; reason: string };

/** Schemes a page may load; everything else (file:, chrome:, ftp:, javascript: ...) is blocked. */
const ALLOWED_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'data:', 'blob:', 'about:']);

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);

/** 169.254.0.0/16 (link-local, AWS/GCP/Azure metadata at .169.254), fe80::/10, and fd00:ec2::254 (AWS IMDS over IPv6). */
export function isMetadataAddress(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (METADATA_HOSTS.has(h)) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(h) ?? /^::ffff:(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(h);
  if (v4) return v4[1] === '169' && v4[2] === '254';
  if (h.includes(':')) {
    const expanded = expandIpv6(h);
    if (expanded === null) return false;
    if ((expanded[0]! & 0xffc0) === 0xfe80) return true;
    if (expanded.join(':') === [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254].join(':')) return true;
    // IPv4-mapped in hex form: ::ffff:a9fe:xxxx is 169.254.x.x
    if (expanded.slice(0, 5).every((g) => g === 0) && expanded[5] === 0xffff && expanded[6] === 0xa9fe) return true;
  }
  return false;
}

function expandIpv6(address: string): number[] | null {
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  if ([...head, ...tail].some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return null;
  return [...head, ...Array<number>(missing).fill(0), ...tail];
}

export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  const p = pattern.toLowerCase().replace(/^\[|\]$/g, '');
  if (p.startsWith('*.')) return h.endsWith(p.slice(1));
  return h === p || h.endsWith(`.${p}`);
}

export function decideRequest(url: string, policy: NetworkPolicy = {}): RequestDecision {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { allowed: false, reason: 'not a valid URL' };
  }
  if (!ALLOWED_SCHEMES.has(parsed.protocol)) return { allowed: false, reason: `${parsed.protocol} URLs are blocked` };
  if (parsed.protocol === 'data:' || parsed.protocol === 'blob:' || parsed.protocol === 'about:') return { allowed: true };
  const host = parsed.hostname;
  if (isMetadataAddress(host)) return { allowed: false, reason: `${host} is a link-local / cloud-metadata address` };
  const denied = policy.deny?.find((p) => hostMatches(host, p));
  if (denied) return { allowed: false, reason: `${host} is denied by the template (deny: ${denied})` };
  if (policy.allow && !policy.allow.some((p) => hostMatches(host, p))) {
    return { allowed: false, reason: `${host} is not in the template's allow list` };
  }
  return { allowed: true };
}
