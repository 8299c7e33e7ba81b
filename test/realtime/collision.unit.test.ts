import { visibleViewers } from '../../src/modules/realtime/collision.service';

describe('visibleViewers', () => {
  test('when an agent views a ticket from two tabs, then they appear once, typing if either tab is', () => {
    const rows = visibleViewers([
      { agentId: 'b', name: 'Bob', typing: false },
      { agentId: 'a', name: 'Ann', typing: false },
      { agentId: 'b', name: 'Bob', typing: true },
    ]);
    expect(rows).toEqual([
      { agentId: 'a', name: 'Ann', typing: false },
      { agentId: 'b', name: 'Bob', typing: true },
    ]);
  });

  test('when nobody views the ticket, then the list is empty', () => {
    expect(visibleViewers([])).toEqual([]);
  });
});
