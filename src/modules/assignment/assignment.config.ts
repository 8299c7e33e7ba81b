import { envBool, envInt, envSection } from '../../config/env-section';

/** Automatic routing: on ticket creation, when capacity frees, and a periodic sweep. */
export const assignmentSection = envSection(
  {
    AUTO_ASSIGN: envBool(true),
    ASSIGNMENT_SWEEP_SECONDS: envInt(60, 1, 86400),
    ASSIGNMENT_BACKLOG_BATCH: envInt(200, 1, 10000),
    ASSIGNMENT_REPAIR_MINUTES: envInt(60, 1, 10080),
  },
  (env) => ({
    assignment: {
      /** Off: no routing on creation, no backlog or sweep; manual and explicit auto-assign still work. */
      auto: env.AUTO_ASSIGN,
      sweepSeconds: env.ASSIGNMENT_SWEEP_SECONDS,
      /** Most tickets one backlog run assigns before it yields. */
      backlogBatch: env.ASSIGNMENT_BACKLOG_BATCH,
      /** How often open-ticket counts are recomputed from the tickets (a drift safety net). */
      repairMinutes: env.ASSIGNMENT_REPAIR_MINUTES,
    },
  }),
);
