import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix-millisecond timestamp, then a 12-bit counter seeded at random
 * each millisecond, then 62 random bits. Ids made by one process are strictly increasing, and ids
 * from different processes sort by creation time to the millisecond, so they make good keys and
 * tie-breakers. Identity, not schedule logic: it reads the system clock, not a Clock.
 */
export function newId(): string {
  let ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    counter = randomBytes(2).readUInt16BE(0) & 0x7ff; // leave headroom before the 12-bit counter wraps
  } else {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      // More than ~2000 ids in one millisecond: borrow the next millisecond.
      lastMs = ms = lastMs + 1;
      counter = 0;
    }
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
