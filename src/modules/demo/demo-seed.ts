import type { Container } from '../../container';
import type { Actor } from '../../platform/security/actor';
import type { TicketChannel, TicketPriority } from '../tickets/ticket.types';
import { defaultSlaPolicies } from '../sla/sla.defaults';

export const demoPassword = 'demo-password-1';

export const demoAgents = [
  {
    email: 'lead@demo.test',
    name: 'Lena Lead',
    role: 'lead',
    languages: ['en', 'de'],
    seniority: 'senior',
    specializations: ['billing'],
  },
  {
    email: 'alice@demo.test',
    name: 'Alice Agent',
    role: 'agent',
    languages: ['en', 'fr'],
    seniority: 'senior',
    specializations: ['shipping', 'returns'],
  },
  {
    email: 'bob@demo.test',
    name: 'Bob Agent',
    role: 'agent',
    languages: ['en', 'es'],
    seniority: 'junior',
    specializations: ['billing'],
  },
  {
    email: 'chen@demo.test',
    name: 'Chen Agent',
    role: 'agent',
    languages: ['en', 'zh'],
    seniority: 'junior',
    specializations: ['technical'],
  },
  {
    email: 'viewer@demo.test',
    name: 'Vic Viewer',
    role: 'viewer',
    languages: ['en'],
    seniority: 'junior',
    specializations: [],
  },
] as const;

const customers = [
  { email: 'maria.garcia@example.com', name: 'María García', language: 'es', tier: 'vip' },
  { email: 'john.smith@example.com', name: 'John Smith', language: 'en', tier: 'standard' },
  { email: 'amelie.durand@example.com', name: 'Amélie Durand', language: 'fr', tier: 'standard' },
  { email: 'kenji.sato@example.com', name: 'Kenji Sato', language: 'en', tier: 'vip' },
  { email: 'olivia.brown@example.com', name: 'Olivia Brown', language: 'en', tier: 'standard' },
  { email: 'lukas.mueller@example.com', name: 'Lukas Müller', language: 'de', tier: 'standard' },
] as const;

const conversations: Array<{
  subject: string;
  body: string;
  reply?: string;
  note?: string;
  priority: TicketPriority;
  channel: TicketChannel;
  tags: string[];
  category: string;
  solve?: boolean;
}> = [
  {
    subject: 'Where is my order #1042?',
    body: 'I ordered a jacket ten days ago and tracking has not moved since Monday.',
    reply:
      'Sorry for the wait! The carrier reports a delay at the regional hub; it should move within 48 hours.',
    priority: 'normal',
    channel: 'email',
    tags: ['shipping', 'delay'],
    category: 'shipping',
  },
  {
    subject: 'Charged twice for one order',
    body: 'My card shows two charges of $89.90 for the same order.',
    note: 'Checked Stripe: duplicate authorisation, one will drop off.',
    priority: 'high',
    channel: 'chat',
    tags: ['billing', 'refund'],
    category: 'billing',
  },
  {
    subject: 'Return label not received',
    body: 'I requested a return last week but never got the label.',
    reply: 'I have re-sent the label to your email just now.',
    priority: 'normal',
    channel: 'web',
    tags: ['returns'],
    category: 'returns',
    solve: true,
  },
  {
    subject: 'App crashes on checkout',
    body: 'Every time I press pay, the app closes. iPhone 15, latest version.',
    priority: 'urgent',
    channel: 'web',
    tags: ['bug', 'checkout'],
    category: 'technical',
  },
  {
    subject: 'Change delivery address',
    body: 'Can you ship to my office instead? Order #1077.',
    reply: 'Done — the new address is on the order.',
    priority: 'low',
    channel: 'email',
    tags: ['shipping'],
    category: 'shipping',
    solve: true,
  },
  {
    subject: 'Discount code not working',
    body: 'WELCOME10 says invalid at checkout.',
    priority: 'normal',
    channel: 'chat',
    tags: ['promo'],
    category: 'billing',
  },
  {
    subject: 'Wrong size delivered',
    body: 'I ordered M and received XL. I need it for a wedding on Saturday!',
    priority: 'high',
    channel: 'phone',
    tags: ['returns', 'exchange'],
    category: 'returns',
  },
  {
    subject: 'Cancel my subscription',
    body: 'Please cancel my monthly box, I am moving abroad.',
    priority: 'normal',
    channel: 'email',
    tags: ['subscription', 'churn-risk'],
    category: 'billing',
  },
  {
    subject: 'Password reset email never arrives',
    body: 'Tried three times, nothing in spam either.',
    priority: 'normal',
    channel: 'web',
    tags: ['account'],
    category: 'technical',
  },
  {
    subject: 'Bulk order for our company',
    body: 'We would like 40 hoodies with our logo. Do you offer that?',
    priority: 'low',
    channel: 'email',
    tags: ['sales'],
    category: 'sales',
  },
];

/** Seeds a demo data set through the services (so every rule applies) when the database has no tickets. */
export async function seedDemo(c: Container, adminEmail?: string): Promise<'seeded' | 'skipped'> {
  const [{ count }] = (await c.db.query(`SELECT count(*)::int AS count FROM tickets`)) as [{ count: number }];
  if (count > 0) return 'skipped';
  const { agents, customers: customerService, tickets, messages } = c.services;
  if (!adminEmail) {
    await agents.ensureBootstrapAdmin('admin@demo.test', demoPassword);
  }
  const created = [];
  for (const a of demoAgents) {
    const existing = await agents.findCredentials(a.email);
    created.push(
      existing ??
        (await agents.create({
          ...a,
          specializations: [...a.specializations],
          languages: [...a.languages],
          password: demoPassword,
          maxConcurrentTickets: a.role === 'viewer' ? 0 : 8,
          acceptsNew: a.role !== 'viewer',
          department: 'Support',
        })),
    );
  }
  const lead = created[0];
  const staff = created.filter((a) => a.role === 'agent');
  if (!lead) return 'skipped';
  const leadActor: Actor = { id: lead.id, role: 'lead', sessionId: 'seed' };
  // SLA policies first, so the demo tickets get clocks (created in the past: some are breached).
  const { sla } = c.services;
  const existing = new Set((await sla.listPolicies()).map((p) => p.priority));
  for (const policy of defaultSlaPolicies(c.config.timezone)) {
    if (!existing.has(policy.priority)) await sla.createPolicy(policy);
  }
  const customerIds: string[] = [];
  for (const cust of customers) {
    const existing = await customerService.list({ q: cust.email, limit: 1 });
    customerIds.push(existing.data[0]?.id ?? (await customerService.create({ ...cust })).id);
  }
  for (const [i, conv] of conversations.entries()) {
    const customerId = customerIds[i % customerIds.length] as string;
    const ticket = await tickets.create(leadActor, {
      subject: conv.subject,
      body: conv.body,
      customerId,
      priority: conv.priority,
      channel: conv.channel,
      tags: conv.tags,
      category: conv.category,
      metadata: { source: 'demo' },
      createdAt: new Date(Date.now() - (conversations.length - i) * 3600_000),
    });
    const agent = staff[i % staff.length];
    const agentActor: Actor | null = agent ? { id: agent.id, role: 'agent', sessionId: 'seed' } : null;
    if (conv.note)
      await messages.add(leadActor, ticket.id, {
        body: conv.note,
        internal: true,
        author: 'agent',
        attachments: [],
      });
    if (conv.reply && agentActor)
      await messages.add(agentActor, ticket.id, {
        body: conv.reply,
        internal: false,
        author: 'agent',
        attachments: [],
      });
    if (conv.solve) await tickets.update(leadActor, ticket.id, { status: 'solved' });
  }
  await c.events.drain();
  return 'seeded';
}
