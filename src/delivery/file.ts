import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { Destination, OutboundMessage, SendOutcome } from './destination.js';

/**
 * Appends each event as one line of NDJSON to a local file: a simple sink, handy for tests and
 * for shipping with a log collector. A retried delivery appends its line again; readers
 * deduplicate on the envelope's `id`, as every consumer does.
 */
export const fileDestinationConfig = z
  .object({
    type: z.literal('file'),
    path: z.string().min(1),
  })
  .strict();
export type FileDestinationConfig = z.input<typeof fileDestinationConfig>;

export function createFileDestination(id: string, input: FileDestinationConfig): Destination {
  const path = resolve(fileDestinationConfig.parse(input).path);
  let made = false;
  return {
    id,
    type: 'file',
    async send(message: OutboundMessage): Promise<SendOutcome> {
      try {
        if (!made) {
          await mkdir(dirname(path), { recursive: true });
          made = true;
        }
        // One write call per line: appends of a line this small are not interleaved.
        await appendFile(path, `${message.body}\n`, 'utf8');
        return { ok: true, detail: path };
      } catch (error) {
        return { ok: false, error: `cannot append to ${path}: ${(error as Error).message}`, retryable: true };
      }
    },
    async close() {},
  };
}
