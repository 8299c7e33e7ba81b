import type { EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '../../platform/errors/app-error';
import { isUniqueViolation } from '../../platform/db/postgres-errors';
import type { EventBus } from '../../platform/events/event-bus';
import type { CustomerEntity } from './customer.entity';
import type { CustomersRepository } from './customers.repository';
import type { CreateCustomerInput, ListCustomersInput, UpdateCustomerInput } from './customers.schemas';

function duplicate(err: unknown): never {
  if (isUniqueViolation(err, 'customers_shopify_customer_id_key')) {
    throw new ConflictError('Another customer has this Shopify id', 'shopify_id_taken');
  }
  if (isUniqueViolation(err))
    throw new ConflictError('A customer with this email already exists', 'email_taken');
  throw err;
}

export class CustomersService {
  constructor(
    private readonly repo: CustomersRepository,
    private readonly events: EventBus,
  ) {}

  async create(input: CreateCustomerInput): Promise<CustomerEntity> {
    const customer = await this.repo
      .insert({
        email: input.email,
        name: input.name ?? null,
        phone: input.phone ?? null,
        shopifyCustomerId: input.shopifyCustomerId ?? null,
        language: input.language?.toLowerCase() ?? null,
        timezone: input.timezone ?? null,
        communicationChannel: input.communicationChannel ?? null,
        tier: input.tier,
      })
      .catch(duplicate);
    this.events.publish('customer.created', { customerId: customer.id });
    return customer;
  }

  async get(id: string, tx?: EntityManager): Promise<CustomerEntity> {
    const customer = await this.repo.findById(id, tx);
    if (!customer) throw new NotFoundError('Customer');
    return customer;
  }

  findByIds(ids: string[]): Promise<CustomerEntity[]> {
    return this.repo.findByIds(ids);
  }

  list(query: ListCustomersInput) {
    return this.repo.list(query);
  }

  async update(id: string, input: UpdateCustomerInput): Promise<CustomerEntity> {
    await this.get(id);
    const changes = { ...input, ...(input.language ? { language: input.language.toLowerCase() } : {}) };
    const updated = await this.repo.update(id, changes).catch(duplicate);
    if (!updated) throw new NotFoundError('Customer');
    this.events.publish('customer.updated', { customerId: id });
    return updated;
  }

  /** For ticket creation: within the caller's transaction, race-free on the email. */
  findOrCreateByEmail(tx: EntityManager, email: string, name: string | null): Promise<CustomerEntity> {
    return this.repo.findOrCreateByEmail(tx, email, name);
  }

  touchLastContact(tx: EntityManager, id: string, at: Date): Promise<void> {
    return this.repo.touchLastContact(tx, id, at);
  }
}
