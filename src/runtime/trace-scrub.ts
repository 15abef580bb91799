import { maskSecrets } from './mask.js';

/**
 * Every spelling in which a secret can land in a trace, log line or page dump: as typed, JSON-
 * escaped (action parameters, console args), URL-encoded (query strings, form posts), HTML-
 * escaped (DOM snapshots) and base64 (basic auth headers, data: URLs).
 */
export function secretSpellings(secrets: readonly string[]): string[] {
  const out = new Set<string>();
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    out.add(secret);
    out.add(JSON.stringify(secret).slice(1, -1));
    out.add(encodeURIComponent(secret));
    out.add(secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'));
    if (secret.length >= 4) out.add(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
  }
  return [...out];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Rewrites a Playwright trace zip with every secret masked (DESIGN.md invariant 8). Text
 * entries (trace events, network log, DOM snapshots, resources) are masked as text; binary
 * entries (screenshots) cannot hold a secret as text and are kept, unless the secret's bytes
 * appear in them, in which case the entry is dropped rather than stored in clear.
 */
export async function scrubTraceZip(zip: Buffer, secrets: readonly string[]): Promise<Buffer> {
  const spellings = secretSpellings(secrets);
  if (spellings.length === 0) return zip;
  const { default: JSZip } = await import('jszip');
  const input = await JSZip.loadAsync(zip);
  const output = new JSZip();
  for (const entry of Object.values(input.files)) {
    if (entry.dir) continue;
    const bytes = await entry.async('nodebuffer');
    let text: string | null;
    try {
      text = utf8.decode(bytes);
    } catch {
      text = null;
    }
    if (text !== null) output.file(entry.name, maskSecrets(text, spellings));
    else if (!spellings.some((s) => bytes.includes(Buffer.from(s)))) output.file(entry.name, bytes);
  }
  return output.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 } });
}
