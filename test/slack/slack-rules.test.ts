import { findMentionedAgents } from '../../src/modules/integrations/slack/slack.mentions';
import {
  batchMessage,
  escapeMrkdwn,
  slaBreachLine,
  summaryMessage,
  type TicketContext,
} from '../../src/modules/integrations/slack/slack.messages';
import { alertKey, backoffMs } from '../../src/modules/integrations/slack/slack.service';
import { signSlackRequest, verifySlackSignature } from '../../src/modules/integrations/slack/slack.signature';

const agents = [
  { id: 'a1', name: 'Alice Martin', email: 'alice@example.com' },
  { id: 'a2', name: 'Al', email: 'al.b@example.com' },
  { id: 'a3', name: 'Bob Stone', email: 'bob@example.com' },
];

describe('mentions', () => {
  test('when a note names an agent by full name, email, local part or joined name, then that agent is found', () => {
    expect(findMentionedAgents('cc @Alice Martin', agents)).toEqual(['a1']);
    expect(findMentionedAgents('cc @alice@example.com please', agents)).toEqual(['a1']);
    expect(findMentionedAgents('@bob, can you?', agents)).toEqual(['a3']);
    expect(findMentionedAgents('ask @bobstone.', agents)).toEqual(['a3']);
    expect(findMentionedAgents('ask @bob.stone', agents)).toEqual(['a3']);
  });

  test('when handles overlap, then the longest one wins', () => {
    expect(findMentionedAgents('@al.b check', agents)).toEqual(['a2']);
    expect(findMentionedAgents('@al check', agents)).toEqual(['a2']);
    expect(findMentionedAgents('@alice martin and @al', agents).sort()).toEqual(['a1', 'a2']);
  });

  test('when an @ is part of an email address or a longer word, then nobody is mentioned', () => {
    expect(findMentionedAgents('write to support@bob.com', agents)).toEqual([]);
    expect(findMentionedAgents('@bobby is not bob', agents)).toEqual([]);
    expect(findMentionedAgents('no mention here', agents)).toEqual([]);
  });
});

describe('signatures', () => {
  const secret = 's3cret';
  const body = Buffer.from('{"type":"url_verification","challenge":"x"}');
  const ts = '1700000000';

  test('when the signature matches the raw body and the time is close, then it is accepted', () => {
    const signature = signSlackRequest(secret, ts, body);
    expect(signature).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(verifySlackSignature(secret, { timestamp: ts, signature }, body, 1700000000 + 299)).toEqual({
      ok: true,
    });
  });

  test('when the timestamp is more than five minutes off either way, then it is refused', () => {
    const signature = signSlackRequest(secret, ts, body);
    expect(verifySlackSignature(secret, { timestamp: ts, signature }, body, 1700000000 + 301).ok).toBe(false);
    expect(verifySlackSignature(secret, { timestamp: ts, signature }, body, 1700000000 - 301).ok).toBe(false);
  });

  test('when the body, secret or header is wrong or missing, then it is refused', () => {
    const signature = signSlackRequest(secret, ts, body);
    const at = 1700000000;
    expect(verifySlackSignature(secret, { timestamp: ts, signature }, Buffer.from(`${body} `), at).ok).toBe(
      false,
    );
    expect(verifySlackSignature('other', { timestamp: ts, signature }, body, at).ok).toBe(false);
    expect(verifySlackSignature(secret, { timestamp: ts }, body, at).ok).toBe(false);
    expect(verifySlackSignature(secret, { timestamp: 'soon', signature }, body, at).ok).toBe(false);
    expect(
      verifySlackSignature(secret, { timestamp: ts, signature: signature.toUpperCase() }, body, at).ok,
    ).toBe(false);
  });
});

describe('messages', () => {
  const ticket: TicketContext = {
    id: '6f1c',
    number: 42,
    subject: 'Refund <now> & | fast',
    priority: 'urgent',
    assigneeName: null,
    customerName: 'Sam',
  };
  const opts = { appUrl: 'https://crm.example/', timezone: 'Europe/Paris' };

  test('when a breach is rendered, then it names the ticket, priority, target, times, assignee and link', () => {
    const line = slaBreachLine(
      ticket,
      { target: 'resolution', dueAt: '2026-03-02T08:00:00Z', breachedAt: '2026-03-02T08:01:00Z' },
      opts,
    );
    expect(line).toContain('<https://crm.example/tickets/6f1c|#42 Refund &lt;now&gt; &amp; ¦ fast>');
    expect(line).toContain('priority *urgent*');
    expect(line).toContain('resolution was due Mon 2 Mar 09:00 GMT+1, breached Mon 2 Mar 09:01 GMT+1');
    expect(line).toContain('assignee: *unassigned*');
  });

  test('when several alerts are batched, then one message lists them all under a count', () => {
    const msg = batchMessage([
      { kind: 'sla_breach', text: 'one' },
      { kind: 'sla_breach', text: 'two' },
    ]);
    expect(msg.text).toBe('2 SLA breaches:\none\ntwo');
    expect(msg.blocks).toHaveLength(3);
    expect(
      batchMessage([
        { kind: 'sla_breach', text: 'x' },
        { kind: 'urgent_ticket', text: 'y' },
      ]).text,
    ).toMatch(/^2 alerts:/);
    expect(batchMessage([{ kind: 'sla_breach', text: 'solo' }]).text).toBe('solo');
  });

  test('when user text contains mrkdwn control characters, then they are escaped', () => {
    expect(escapeMrkdwn('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
  });

  test('when nothing was resolved, then the summary shows compliance as n/a', () => {
    const msg = summaryMessage(
      {
        from: new Date('2026-03-01T07:00:00Z'),
        to: new Date('2026-03-02T07:00:00Z'),
        created: 3,
        resolved: 0,
        backlog: { open: 5, unassigned: 2, urgent: 1 },
        sla: { breaches: 0, resolvedWithBreach: 0, compliance: null },
        topAgents: [],
      },
      opts,
    );
    expect(msg.text).toContain('compliance n/a');
    expect(msg.text).toContain('*Backlog*: 5 open (2 unassigned, 1 urgent)');
  });
});

describe('dedupe keys and backoff', () => {
  test('when the same breach comes twice, then its key is the same; a new next-reply due time is a new key', () => {
    const breach = {
      kind: 'sla_breach' as const,
      ticketId: 't1',
      target: 'first_response' as const,
      dueAt: '2026-03-02T08:00:00.000Z',
      breachedAt: '2026-03-02T08:00:05.000Z',
      assigneeId: null,
    };
    expect(alertKey(breach)).toBe(alertKey({ ...breach, breachedAt: '2026-03-02T08:01:00.000Z' }));
    expect(alertKey(breach)).not.toBe(alertKey({ ...breach, target: 'resolution' }));
    const reply = { ...breach, target: 'next_reply' as const };
    expect(alertKey(reply)).not.toBe(alertKey({ ...reply, dueAt: '2026-03-03T08:00:00.000Z' }));
    expect(alertKey(reply)).toBe(alertKey({ ...reply, dueAt: '2026-03-02T08:00:00Z' }));
  });

  test('when attempts grow, then the backoff doubles and is capped at ten minutes', () => {
    expect(backoffMs(1000, 1)).toBeGreaterThanOrEqual(1000);
    expect(backoffMs(1000, 1)).toBeLessThanOrEqual(1200);
    expect(backoffMs(1000, 3)).toBeGreaterThanOrEqual(4000);
    expect(backoffMs(1000, 30)).toBeLessThanOrEqual(720_000);
  });
});
