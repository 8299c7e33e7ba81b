import type { z } from 'zod';
import type { CustomerEntity } from './customer.entity';
import type { Customer } from './customers.schemas';

export function toCustomerDto(c: CustomerEntity): z.infer<typeof Customer> {
  return {
    id: c.id,
    email: c.email,
    name: c.name,
    phone: c.phone,
    shopifyCustomerId: c.shopifyCustomerId,
    language: c.language,
    timezone: c.timezone,
    communicationChannel: c.communicationChannel,
    tier: c.tier,
    lastContactAt: c.lastContactAt?.toISOString() ?? null,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
