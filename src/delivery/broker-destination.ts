import { parseDuration } from '../spec/duration.js';
import { LazyConnection, SendTimeout, withDeadline } from './broker-connection.js';
import type { Destination, OutboundMessage, SendOutcome } from './destination.js';

/**
 * The common shape of the RabbitMQ, NATS and Redis destinations: a validated config with a
 * `timeout`, and one shared connection opened on the first send (see LazyConnection).
 */
export abstract class BrokerDestination<Config extends { timeout: string }, Link> implements Destination {
  abstract readonly type: Destination['type'];
  protected readonly timeoutMs: number;
  protected readonly link: LazyConnection<Link>;

  constructor(
    readonly id: string,
    protected readonly config: Config,
  ) {
    this.timeoutMs = parseDuration(config.timeout, 'timeout');
    this.link = new LazyConnection(
      () => this.open(),
      (link) => this.dispose(link),
      this.timeoutMs,
    );
  }

  /** Connects (and declares what the config asks for). */
  protected abstract open(): Promise<Link>;
  protected abstract dispose(link: Link): Promise<void>;
  abstract send(message: OutboundMessage, signal: AbortSignal): Promise<SendOutcome>;

  /** The shared connection, opening it within the timeout; `target` names it in errors (no secrets). */
  protected async connection(signal: AbortSignal, target: string): Promise<Link> {
    const opening = this.link.get();
    try {
      return await withDeadline(opening, this.timeoutMs, signal, `connect to ${target}`);
    } catch (error) {
      if (error instanceof SendTimeout) this.link.abandon(opening);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.link.close();
  }
}
