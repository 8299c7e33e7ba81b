import { z } from 'zod';
import { isValidTimeZone } from '../../config/config.schema';
import { email, isoDate, listQuery, uuid } from '../../platform/http/common.schemas';
import { customerTiers } from './customer.entity';

export const communicationChannels = ['email', 'chat', 'phone', 'sms', 'web', 'whatsapp'] as const;

const fields = {
  name: z.string().trim().min(1).max(200),
  phone: z
    .string()
    .trim()
    .regex(/^[+0-9 ().-]{3,32}$/, 'must be a phone number'),
  shopifyCustomerId: z
    .string()
    .trim()
    .regex(/^\d{1,20}$/, 'must be a numeric Shopify id'),
  language: z
    .string()
    .trim()
    .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})?$/, 'must be a language tag such as en or pt-BR'),
  timezone: z.string().refine(isValidTimeZone, 'must be an IANA time zone'),
  communicationChannel: z.enum(communicationChannels),
  tier: z.enum(customerTiers),
};

export const Customer = z
  .object({
    id: uuid,
    email: z.string().nullable(),
    name: z.string().nullable(),
    phone: z.string().nullable(),
    shopifyCustomerId: z.string().nullable(),
    language: z.string().nullable(),
    timezone: z.string().nullable(),
    communicationChannel: z.string().nullable(),
    tier: z.enum(customerTiers),
    lastContactAt: isoDate.nullable(),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'Customer' });

export const CreateCustomerBody = z
  .object({
    email,
    name: fields.name.nullish(),
    phone: fields.phone.nullish(),
    shopifyCustomerId: fields.shopifyCustomerId.nullish(),
    language: fields.language.nullish(),
    timezone: fields.timezone.nullish(),
    communicationChannel: fields.communicationChannel.nullish(),
    tier: fields.tier.default('standard'),
  })
  .strict()
  .meta({ id: 'CreateCustomer' });

export const UpdateCustomerBody = z
  .object({
    email,
    name: fields.name.nullable(),
    phone: fields.phone.nullable(),
    shopifyCustomerId: fields.shopifyCustomerId.nullable(),
    language: fields.language.nullable(),
    timezone: fields.timezone.nullable(),
    communicationChannel: fields.communicationChannel.nullable(),
    tier: fields.tier,
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
  .meta({ id: 'UpdateCustomer' });

export const ListCustomersQuery = listQuery.extend({
  q: z.string().trim().min(1).max(200).optional(),
  tier: z.enum(customerTiers).optional(),
});

export type CreateCustomerInput = z.output<typeof CreateCustomerBody>;
export type UpdateCustomerInput = z.output<typeof UpdateCustomerBody>;
export type ListCustomersInput = z.output<typeof ListCustomersQuery>;
