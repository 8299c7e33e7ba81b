import { AgentEntity } from './modules/agents/agent.entity';
import { TicketAssignmentEntity } from './modules/assignment/ticket-assignment.entity';
import { RefreshTokenEntity } from './modules/auth/refresh-token.entity';
import { CustomerEntity } from './modules/customers/customer.entity';
import { MessageEntity } from './modules/tickets/message.entity';
import { TicketEntity } from './modules/tickets/ticket.entity';

/** Every typeorm entity; a module adds its entities here. */
export const entities = [
  AgentEntity,
  RefreshTokenEntity,
  CustomerEntity,
  TicketEntity,
  MessageEntity,
  TicketAssignmentEntity,
];
