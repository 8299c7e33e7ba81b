import type { Config } from '../../config/config';
import { envInt, envSection } from '../../config/env-section';

/** Sockets, presence and the replay buffer. */
export const realtimeSection = envSection(
  {
    REALTIME_REPLAY_SECONDS: envInt(300, 1, 86400),
    REALTIME_REPLAY_MAX_EVENTS: envInt(2000, 10, 100000),
    REALTIME_PING_INTERVAL_MS: envInt(25000, 100, 300000),
    REALTIME_PING_TIMEOUT_MS: envInt(20000, 100, 300000),
    REALTIME_AUTH_WARN_SECONDS: envInt(60, 0, 3600),
    REALTIME_TYPING_SECONDS: envInt(6, 1, 60),
    PRESENCE_GRACE_SECONDS: envInt(30, 0, 3600),
    PRESENCE_IDLE_SECONDS: envInt(90, 1, 3600),
  },
  (env) => ({
    realtime: {
      /** How long missed events can be replayed to a reconnecting socket (per room). */
      replaySeconds: env.REALTIME_REPLAY_SECONDS,
      /** Upper bound on the events kept per room within that window. */
      replayMaxEvents: env.REALTIME_REPLAY_MAX_EVENTS,
      pingIntervalMs: env.REALTIME_PING_INTERVAL_MS,
      pingTimeoutMs: env.REALTIME_PING_TIMEOUT_MS,
      /** `auth:expiring` is sent this long before the access token expires. */
      authWarnSeconds: env.REALTIME_AUTH_WARN_SECONDS,
      typingSeconds: env.REALTIME_TYPING_SECONDS,
      presence: {
        /** With no connection left for this long, the agent goes offline. */
        graceSeconds: env.PRESENCE_GRACE_SECONDS,
        /**
         * A connection not heard from (socket.io heartbeat) for this long counts as gone: what a
         * crashed instance leaves behind expires. Kept above ping interval + timeout.
         */
        idleSeconds: Math.max(
          env.PRESENCE_IDLE_SECONDS,
          Math.ceil((env.REALTIME_PING_INTERVAL_MS + env.REALTIME_PING_TIMEOUT_MS) / 1000) + 1,
        ),
      },
    },
  }),
);

export type RealtimeConfig = Config['realtime'];
