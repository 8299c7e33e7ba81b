import { IdParams, page } from '../../platform/http/common.schemas';
import { defineRoute, type AnyRoute } from '../../platform/http/route';
import { Roles } from '../../platform/security/actor';
import { toCustomerDto } from './customers.mapper';
import { CreateCustomerBody, Customer, ListCustomersQuery, UpdateCustomerBody } from './customers.schemas';
import type { CustomersService } from './customers.service';

const tags = ['Customers'];

export function customerRoutes(customers: CustomersService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/customers',
      summary: 'Create a customer',
      tags,
      roles: Roles.staff,
      body: CreateCustomerBody,
      responses: [
        { status: 201, description: 'Created', schema: Customer },
        { status: 409, description: 'Email (case-insensitive) or Shopify id already taken' },
      ],
      handler: async ({ body }) => ({ body: toCustomerDto(await customers.create(body)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/customers',
      summary: 'List or search customers (q matches name or email)',
      tags,
      roles: Roles.everyone,
      query: ListCustomersQuery,
      responses: [
        { status: 200, description: 'A page of customers', schema: page(Customer, 'CustomerPage') },
      ],
      handler: async ({ query }) => {
        const result = await customers.list(query);
        return { body: { data: result.data.map(toCustomerDto), nextCursor: result.nextCursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/customers/:id',
      summary: 'Get a customer',
      tags,
      roles: Roles.everyone,
      params: IdParams,
      responses: [
        { status: 200, description: 'The customer', schema: Customer },
        { status: 404, description: 'Not found' },
      ],
      handler: async ({ params }) => ({ body: toCustomerDto(await customers.get(params.id)) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/customers/:id',
      summary: 'Update a customer',
      tags,
      roles: Roles.staff,
      params: IdParams,
      body: UpdateCustomerBody,
      responses: [
        { status: 200, description: 'Updated', schema: Customer },
        { status: 404, description: 'Not found' },
        { status: 409, description: 'Email or Shopify id already taken' },
      ],
      handler: async ({ params, body }) => ({ body: toCustomerDto(await customers.update(params.id, body)) }),
    }),
  ];
}
