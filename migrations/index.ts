import { CoreSchema1763800000000 } from './1763800000000-CoreSchema';
import { ShopifyIntegration1764300000000 } from './1764300000000-ShopifyIntegration';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the app, the CLI and the tests
 * run the same set from source or from the build. Add new migrations at the end.
 */
export const migrations = [CoreSchema1763800000000, ShopifyIntegration1764300000000];
