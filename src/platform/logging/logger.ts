import pino, { type Logger } from 'pino';
import { currentContext } from './request-context';

export type { Logger };

/**
 * JSON logs; every line written inside a request carries its request id (and the acting agent)
 * through AsyncLocalStorage, so call sites never pass them around.
 */
export function createLogger(level: string, name = 'crm'): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin() {
      const ctx = currentContext();
      return ctx ? { requestId: ctx.requestId, agentId: ctx.agentId } : {};
    },
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'accessToken',
        'refreshToken',
        '*.accessToken',
        '*.refreshToken',
        'authorization',
        '*.authorization',
        'body',
        '*.body',
      ],
      censor: '[redacted]',
    },
  });
}
