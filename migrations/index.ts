import { CoreSchema1763800000000 } from './1763800000000-CoreSchema';
import { SlackNotifications1764400000000 } from './1764400000000-SlackNotifications';
import { TicketsSmartOrderIndex1764700000000 } from './1764700000000-TicketsSmartOrderIndex';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the app, the CLI and the tests
 * run the same set from source or from the build. Add new migrations at the end.
 */
export const migrations = [
  CoreSchema1763800000000,
  SlackNotifications1764400000000,
  TicketsSmartOrderIndex1764700000000,
];
