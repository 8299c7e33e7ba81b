import type { RoomEventLog } from '../../platform/realtime/room-event-log';
import type { EventBody } from '../../platform/realtime/realtime.types';
import type { Role } from '../../platform/security/actor';
import type { SequencedEventName, SequencedEventPayloads } from './realtime.events';

export interface PublishOptions {
  /** Roles that must never receive this event (enforced live and on replay). */
  exceptRoles?: Role[];
  /** Narrows delivery to agents accepting new work (live and on replay). */
  audience?: 'accepting-new-work';
}

/**
 * Sends a socket event to rooms, from any process: the event is sequenced and kept for replay
 * in Redis, then published on the channel every API instance delivers from.
 */
export class RealtimePublisher {
  constructor(
    private readonly log: RoomEventLog,
    private readonly onPublish?: (event: SequencedEventName) => void,
  ) {}

  async publish<E extends SequencedEventName>(
    event: E,
    rooms: Array<string | null | undefined>,
    data: SequencedEventPayloads[E],
    opts: PublishOptions = {},
  ): Promise<void> {
    const targets = rooms.filter((r): r is string => typeof r === 'string' && r.length > 0);
    if (targets.length === 0) return;
    const body: EventBody = {
      event,
      data,
      ...(opts.exceptRoles && opts.exceptRoles.length > 0 ? { exceptRoles: opts.exceptRoles } : {}),
      ...(opts.audience ? { audience: opts.audience } : {}),
    };
    await this.log.append(targets, body);
    this.onPublish?.(event);
  }
}
