import type { GorgiasMessage, GorgiasTicket } from '../../src/modules/integrations/gorgias/gorgias.client';
import { retryAfterMs } from '../../src/modules/integrations/gorgias/gorgias-http.client';
import {
  matchCreatedMessages,
  messageFromGorgias,
  messageToGorgias,
  parseGorgiasDate,
  priorityFromGorgias,
  statusFromGorgias,
  tagsFromGorgias,
  ticketToGorgias,
  toGorgiasStatus,
  type PushContext,
} from '../../src/modules/integrations/gorgias/gorgias.mapper';
import type { MessageEntity } from '../../src/modules/tickets/message.entity';
import type { TicketEntity } from '../../src/modules/tickets/ticket.entity';

const gMessage = (over: Partial<GorgiasMessage>): GorgiasMessage => ({
  id: 1,
  channel: 'email',
  from_agent: false,
  public: true,
  body_text: 'hello',
  created_datetime: '2026-01-02T03:04:05.678901+00:00',
  ...over,
});

const ticket = {
  id: '0b6e3c1e-1d2b-4a53-9a43-2f0c5f7f1a10',
  subject: 'Broken zipper',
  status: 'open',
  channel: 'web',
  tags: ['zip'],
  createdAt: new Date('2026-01-01T00:00:00.000Z'),
} as TicketEntity;

const message = (over: Partial<MessageEntity>): MessageEntity =>
  ({
    id: '7d8f0c6b-0f25-4d8b-8a7c-5b4c2b8d7e01',
    ticketId: ticket.id,
    authorType: 'agent',
    body: 'We will replace it',
    bodyHtml: null,
    internal: false,
    attachments: [],
    createdAt: new Date('2026-01-01T01:00:00.000Z'),
    ...over,
  }) as MessageEntity;

const ctx: PushContext = {
  ticket,
  customer: { email: 'carol@shop.example', name: 'Carol' },
  customerEmail: 'carol@shop.example',
  accountEmail: 'api@acme.example',
};

describe('Gorgias mapping rules', () => {
  test('when Gorgias sends microseconds and offsets, then dates keep milliseconds in UTC', () => {
    expect(parseGorgiasDate('2024-02-14T21:30:50.201204+00:00')?.toISOString()).toBe(
      '2024-02-14T21:30:50.201Z',
    );
    expect(parseGorgiasDate('2024-02-14T21:30:50+02:00')?.toISOString()).toBe('2024-02-14T19:30:50.000Z');
    expect(parseGorgiasDate('2024-02-14T21:30:50.5')?.toISOString()).toBe('2024-02-14T21:30:50.500Z');
    expect(parseGorgiasDate(null)).toBeNull();
    expect(parseGorgiasDate('not a date')).toBeNull();
  });

  test('when statuses cross, then closed closes, open opens only new or solved tickets, and closed stays final', () => {
    expect(statusFromGorgias('closed', 'open')).toBe('closed');
    expect(statusFromGorgias('closed', 'closed')).toBeNull();
    expect(statusFromGorgias('open', 'new')).toBe('open');
    expect(statusFromGorgias('open', 'solved')).toBe('open');
    expect(statusFromGorgias('open', 'pending')).toBeNull();
    expect(statusFromGorgias('open', 'on_hold')).toBeNull();
    expect(statusFromGorgias('open', 'closed')).toBeNull();
    expect(statusFromGorgias('snoozed', 'open')).toBeNull();
    expect(
      ['new', 'open', 'pending', 'on_hold'].map((s) => toGorgiasStatus(s as TicketEntity['status'])),
    ).toEqual(['open', 'open', 'open', 'open']);
    expect(toGorgiasStatus('solved')).toBe('closed');
    expect(toGorgiasStatus('closed')).toBe('closed');
  });

  test('when tags and priorities come from Gorgias, then they fit our rules', () => {
    expect(tagsFromGorgias([{ name: ' VIP ' }, { name: 'a,b' }, { name: 'vip' }, { name: ' ' }])).toEqual([
      'vip',
      'a b',
    ]);
    expect(tagsFromGorgias(Array.from({ length: 40 }, (_, i) => ({ name: `t${i}` })))).toHaveLength(30);
    expect(priorityFromGorgias('critical')).toBe('urgent');
    expect(priorityFromGorgias('high')).toBe('high');
    expect(priorityFromGorgias(undefined)).toBe('normal');
  });

  test('when a Gorgias message is a note, then it is an internal agent message; html-only bodies become text', () => {
    expect(messageFromGorgias(gMessage({ channel: 'internal-note', public: false }))).toMatchObject({
      authorType: 'agent',
      internal: true,
    });
    expect(messageFromGorgias(gMessage({ from_agent: true }))).toMatchObject({
      authorType: 'agent',
      internal: false,
    });
    const html = messageFromGorgias(
      gMessage({ body_text: null, body_html: '<p>Tom &amp; Jerry<script>x</script></p>' }),
    );
    expect(html).toMatchObject({ authorType: 'customer', body: 'Tom & Jerry' });
    expect(html.createdAt?.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    const withFiles = messageFromGorgias(
      gMessage({
        attachments: [
          { url: 'https://files.example/a.png', name: 'a.png', content_type: 'image/png', size: 12 },
          { url: 'javascript:alert(1)', name: 'bad' },
        ],
      }),
    );
    expect(withFiles.attachments).toEqual([
      { url: 'https://files.example/a.png', name: 'a.png', contentType: 'image/png', size: 12 },
    ]);
  });

  test('when we push, then a reply is sent by Gorgias, a note stays internal and a customer message is only recorded', () => {
    const reply = messageToGorgias(message({}), ctx);
    expect(reply).toMatchObject({
      channel: 'email',
      from_agent: true,
      public: true,
      external_id: message({}).id,
    });
    expect(reply.sent_datetime).toBeUndefined();
    expect(messageToGorgias(message({ internal: true }), ctx)).toMatchObject({
      channel: 'internal-note',
      from_agent: true,
      public: false,
    });
    const recorded = messageToGorgias(message({ authorType: 'customer' }), ctx);
    expect(recorded).toMatchObject({ channel: 'api', from_agent: false, sender: ctx.customer });
    expect(recorded.sent_datetime).toBe('2026-01-01T01:00:00.000Z');
  });

  test('when a CRM ticket has no message yet, then Gorgias gets its subject as the first message', () => {
    const input = ticketToGorgias([], ctx);
    expect(input).toMatchObject({ external_id: ticket.id, status: 'open', tags: [{ name: 'zip' }] });
    expect(input.messages).toEqual([
      expect.objectContaining({
        body_text: 'Broken zipper',
        from_agent: false,
        sent_datetime: expect.any(String),
      }),
    ]);
  });

  test('when Gorgias answers a creation, then its messages are matched to ours by external id, else by order', () => {
    const a = message({ id: '11111111-1111-4111-8111-111111111111' });
    const b = message({ id: '22222222-2222-4222-8222-222222222222' });
    expect(
      matchCreatedMessages(
        [a, b],
        [gMessage({ id: 9, external_id: b.id }), gMessage({ id: 8, external_id: a.id })],
      ).map(([ours, theirs]) => [ours.id, theirs.id]),
    ).toEqual([
      [a.id, 8],
      [b.id, 9],
    ]);
    expect(
      matchCreatedMessages(
        [a, b],
        [
          gMessage({ id: 5, created_datetime: '2026-01-01T00:00:01Z' }),
          gMessage({ id: 6, created_datetime: '2026-01-01T00:00:02Z' }),
        ],
      ).map(([ours, theirs]) => [ours.id, theirs.id]),
    ).toEqual([
      [a.id, 5],
      [b.id, 6],
    ]);
  });

  test('when a 429 says Retry-after, then seconds or a date become milliseconds', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    expect(retryAfterMs(inTwoSeconds)).toBeGreaterThan(0);
  });

  test('when Gorgias omits optional ticket fields, then the schema still accepts it', () => {
    const minimal: GorgiasTicket = { id: 1, status: 'open', created_datetime: '2026-01-01T00:00:00+00:00' };
    expect(tagsFromGorgias(minimal.tags)).toEqual([]);
  });
});
