import { describe, expect, it } from 'vitest';
import { assigneeChoices } from './assignees';

describe('assigneeChoices', () => {
  const users = [
    { id: 'a', email: 'ana@studio.test', status: 'active' },
    { id: 'b', email: 'ben@studio.test', status: 'disabled' },
    { id: 'c', email: 'cy@studio.test', status: 'invited' },
  ];
  it('offers the active users', () => {
    expect(assigneeChoices(users, null)).toEqual([{ id: 'a', text: 'ana@studio.test' }]);
  });
  it('keeps the current assignee, disabled since, and says so', () => {
    expect(assigneeChoices(users, 'b')).toEqual([
      { id: 'a', text: 'ana@studio.test' },
      { id: 'b', text: 'ben@studio.test (disabled)' },
    ]);
  });
});
