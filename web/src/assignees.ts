// Who a lead can be shown as assigned to. Pure, unit-tested.
import { label } from './format';

interface User {
  id: string;
  email: string;
  status: string;
}

/**
 * The choices of a lead's "Assigned to" box: the active users, and whoever the lead is assigned
 * to now even if disabled since (the API keeps that assignment), named with their status, so the
 * box never shows blank for an assigned lead.
 */
export function assigneeChoices(users: readonly User[], current: string | null | undefined): { id: string; text: string }[] {
  return users
    .filter((u) => u.status === 'active' || u.id === current)
    .map((u) => ({ id: u.id, text: u.status === 'active' ? u.email : `${u.email} (${label(u.status).toLowerCase()})` }));
}
