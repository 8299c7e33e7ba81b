import {
  assertTicketEditable,
  statusAfterAgentReply,
  statusAfterCustomerMessage,
  statusEffects,
} from '../../src/modules/tickets/ticket-status';
import { decodeCursor, encodeCursor } from '../../src/platform/http/cursor';

const at = new Date('2026-11-21T10:00:00.000Z');

test('when a ticket is closed, then it cannot change; any other status can', () => {
  expect(() => assertTicketEditable('closed')).toThrow(/closed/);
  for (const s of ['new', 'open', 'pending', 'on_hold', 'solved'] as const)
    expect(() => assertTicketEditable(s)).not.toThrow();
});

test('when the status moves, then resolution and closing times follow', () => {
  expect(statusEffects('open', 'solved', at)).toEqual({ resolvedAt: at });
  expect(statusEffects('solved', 'open', at)).toEqual({ resolvedAt: null });
  expect(statusEffects('solved', 'closed', at)).toEqual({ closedAt: at });
  expect(statusEffects('open', 'closed', at)).toEqual({ closedAt: at, resolvedAt: at });
  expect(statusEffects('open', 'pending', at)).toEqual({});
  expect(statusEffects('open', 'open', at)).toEqual({});
});

test('when the customer writes, then pending and solved reopen; others keep their status', () => {
  expect(statusAfterCustomerMessage('pending')).toBe('open');
  expect(statusAfterCustomerMessage('solved')).toBe('open');
  expect(statusAfterCustomerMessage('new')).toBe('new');
  expect(statusAfterCustomerMessage('on_hold')).toBe('on_hold');
  expect(statusAfterAgentReply('new')).toBe('open');
  expect(statusAfterAgentReply('pending')).toBe('pending');
});

test('when a cursor round-trips, then its values come back; a tampered one is refused', () => {
  const c = encodeCursor('created', ['2026-11-21T10:00:00.000Z', '00000000-0000-4000-8000-000000000000']);
  expect(decodeCursor(c, 'created', ['timestamp', 'uuid'])).toEqual([
    '2026-11-21T10:00:00.000Z',
    '00000000-0000-4000-8000-000000000000',
  ]);
  expect(() => decodeCursor(c, 'updated', ['timestamp', 'uuid'])).toThrow(/cursor/);
  expect(() => decodeCursor(c, 'created', ['int', 'uuid'])).toThrow(/cursor/);
  expect(() => decodeCursor('!!!', 'created', ['timestamp'])).toThrow(/cursor/);
});
