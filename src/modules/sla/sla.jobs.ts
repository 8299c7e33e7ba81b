import type { JobHandlers, ScheduledJob } from '../../platform/queue/queue.service';
import type { SlaMonitor } from './sla-monitor.service';

/** The monitor's repeatable job: every SLA_CHECK_INTERVAL_SECONDS. */
export function slaJobs(
  monitor: SlaMonitor,
  checkIntervalSeconds: number,
): { handlers: JobHandlers; schedules: ScheduledJob[] } {
  return {
    handlers: { 'sla.check': () => monitor.tick() },
    schedules: [{ name: 'sla.check', payload: {}, repeat: { every: checkIntervalSeconds * 1000 } }],
  };
}
