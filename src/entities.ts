import { AgentEntity } from './modules/agents/agent.entity';
import { TicketAssignmentEntity } from './modules/assignment/ticket-assignment.entity';
import { RefreshTokenEntity } from './modules/auth/refresh-token.entity';
import { CustomerEntity } from './modules/customers/customer.entity';
import { MessageEntity } from './modules/tickets/message.entity';
import { TicketEntity } from './modules/tickets/ticket.entity';
import { ExternalLinkEntity } from './modules/integrations/gorgias/external-link.entity';
import {
  GorgiasImportRunEntity,
  GorgiasWebhookDeliveryEntity,
} from './modules/integrations/gorgias/gorgias-sync.entity';

/** Every typeorm entity; a module adds its entities here. */
export const entities = [
  AgentEntity,
  RefreshTokenEntity,
  CustomerEntity,
  TicketEntity,
  MessageEntity,
  TicketAssignmentEntity,
  ExternalLinkEntity,
  GorgiasImportRunEntity,
  GorgiasWebhookDeliveryEntity,
];
