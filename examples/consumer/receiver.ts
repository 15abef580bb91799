/**
 * An idempotent webhook consumer: verifies each agentcron webhook and records price changes in
 * its own database, each event exactly once even though agentcron may deliver one more than once
 * (a retry after a timeout, a redelivery from the CLI).
 *
 *   WEBHOOK_SECRET=whsec_... CONSUMER_DB=consumer.db PORT=8787 npx tsx examples/consumer/receiver.ts
 *
 * and in agentcron.yaml:
 *
 *   destinations:
 *     - id: prices-hook
 *       type: webhook
 *       url: http://127.0.0.1:8787/agentcron
 *       secret: ${env:WEBHOOK_SECRET}
 *
 * The two rules: verify the signature over the exact body before trusting it, and deduplicate on
 * `webhook-id` in the same transaction as your own write (`handleOnce` does both halves of the
 * second rule). Answer 2xx only after the write committed; anything else makes agentcron retry.
 */
import { createServer } from 'node:http';
import { createIdempotentConsumer, verifyWebhook, WebhookVerificationError, type EventEnvelope } from '../../src/index.js';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) throw new Error('set WEBHOOK_SECRET to the destination secret (whsec_...)');

const consumer = await createIdempotentConsumer({ db: process.env.CONSUMER_DB ?? 'consumer.db' });
await consumer.db.execute(
  'CREATE TABLE IF NOT EXISTS price_changes (event_id TEXT PRIMARY KEY, schedule_id TEXT, price TEXT, changed_at TEXT)',
);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    void (async () => {
      try {
        const { id } = verifyWebhook(secret, req.headers as Record<string, string>, body);
        const event = JSON.parse(body) as EventEnvelope;
        const outcome = await consumer.handleOnce(id, async (tx) => {
          if (event.type !== 'run.changed') return;
          const price = (event.run?.output as { price?: unknown } | null)?.price;
          await tx.execute('INSERT INTO price_changes (event_id, schedule_id, price, changed_at) VALUES (?, ?, ?, ?)', [
            id,
            event.schedule?.id ?? null,
            JSON.stringify(price ?? null),
            event.occurredAt,
          ]);
        });
        res.writeHead(outcome.handled ? 200 : 208).end(outcome.handled ? 'handled' : 'already handled');
      } catch (error) {
        // A bad signature is not retried into success: 401. Anything else: 500, agentcron retries.
        res.writeHead(error instanceof WebhookVerificationError ? 401 : 500).end((error as Error).message);
      }
    })();
  });
});

const port = Number(process.env.PORT ?? 8787);
server.listen(port, '127.0.0.1', () => console.log(`consumer listening on http://127.0.0.1:${port}/agentcron`));
