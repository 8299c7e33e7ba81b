import { CoreSchema1763800000000 } from './1763800000000-CoreSchema';
import { GorgiasSync1764500000000 } from './1764500000000-GorgiasSync';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the app, the CLI and the tests
 * run the same set from source or from the build. Add new migrations at the end.
 */
export const migrations = [CoreSchema1763800000000, GorgiasSync1764500000000];
