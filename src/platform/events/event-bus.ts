import type { Logger } from '../logging/logger';
import type { DomainEventMap, DomainEventType } from './domain-events';

type Listener<K extends DomainEventType> = (payload: DomainEventMap[K], at: string) => void | Promise<void>;

/**
 * In-process, typed publish/subscribe. `publish` is called after a transaction commits, so a
 * listener never sees a change that was rolled back. Listeners run asynchronously and their
 * failures are logged, never thrown back into the request that caused the event: work that
 * must not be lost is handed by its listener to a durable queue.
 */
export class EventBus {
  private readonly listeners = new Map<DomainEventType, Array<Listener<DomainEventType>>>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly logger: Logger,
    private readonly onPublish?: (type: DomainEventType) => void,
  ) {}

  on<K extends DomainEventType>(type: K, listener: Listener<K>): () => void {
    const list = this.listeners.get(type) ?? [];
    list.push(listener as unknown as Listener<DomainEventType>);
    this.listeners.set(type, list);
    return () => {
      const current = this.listeners.get(type) ?? [];
      this.listeners.set(
        type,
        current.filter((l) => l !== (listener as unknown as Listener<DomainEventType>)),
      );
    };
  }

  publish<K extends DomainEventType>(type: K, payload: DomainEventMap[K]): void {
    this.onPublish?.(type);
    const at = new Date().toISOString();
    for (const listener of this.listeners.get(type) ?? []) {
      const run = Promise.resolve()
        .then(() => listener(payload as DomainEventMap[DomainEventType], at))
        .catch((err: unknown) => this.logger.error({ err, event: type }, 'domain event listener failed'))
        .finally(() => this.pending.delete(run));
      this.pending.add(run);
    }
  }

  /** Resolves when every listener started so far has finished (tests and shutdown use it). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
