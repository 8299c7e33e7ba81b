import { CoreSchema1763800000000 } from './1763800000000-CoreSchema';
import { SlackNotifications1764400000000 } from './1764400000000-SlackNotifications';
import { SlaEngine1763900000000 } from './1763900000000-SlaEngine';
import { Assignment1764000000000 } from './1764000000000-Assignment';
import { Analytics1764600000000 } from './1764600000000-Analytics';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the app, the CLI and the tests
 * run the same set from source or from the build. Add new migrations at the end.
 */
export const migrations = [
  CoreSchema1763800000000,
  SlaEngine1763900000000,
  Assignment1764000000000,
  SlackNotifications1764400000000,
  Analytics1764600000000,
];
