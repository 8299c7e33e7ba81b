import { CoreSchema1763800000000 } from './1763800000000-CoreSchema';
import { SlackNotifications1764400000000 } from './1764400000000-SlackNotifications';
import { SlaEngine1763900000000 } from './1763900000000-SlaEngine';
import { Assignment1764000000000 } from './1764000000000-Assignment';
import { Intelligence1764100000000 } from './1764100000000-Intelligence';
import { SmartOrderWithCustomerValue1764190000000 } from './1764190000000-SmartOrderWithCustomerValue';
import { GorgiasSync1764500000000 } from './1764500000000-GorgiasSync';
import { ShopifyIntegration1764300000000 } from './1764300000000-ShopifyIntegration';
import { TicketsSmartOrderIndex1764700000000 } from './1764700000000-TicketsSmartOrderIndex';
import { Analytics1764600000000 } from './1764600000000-Analytics';
import { SlaClocksAutovacuum1764800000000 } from './1764800000000-SlaClocksAutovacuum';
import { TicketsAgentQueueIndex1764900000000 } from './1764900000000-TicketsAgentQueueIndex';
import { AnalyticsReleasesAreNotTransfers1765100000000 } from './1765100000000-AnalyticsReleasesAreNotTransfers';
import { ShopifyDeliveriesReceivedBrin1765000000000 } from './1765000000000-ShopifyDeliveriesReceivedBrin';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the app, the CLI and the tests
 * run the same set from source or from the build. Add new migrations at the end.
 */
export const migrations = [
  CoreSchema1763800000000,
  SlaEngine1763900000000,
  Assignment1764000000000,
  Intelligence1764100000000,
  SmartOrderWithCustomerValue1764190000000,
  ShopifyIntegration1764300000000,
  SlackNotifications1764400000000,
  GorgiasSync1764500000000,
  Analytics1764600000000,
  TicketsSmartOrderIndex1764700000000,
  SlaClocksAutovacuum1764800000000,
  TicketsAgentQueueIndex1764900000000,
  ShopifyDeliveriesReceivedBrin1765000000000,
  AnalyticsReleasesAreNotTransfers1765100000000,
];
