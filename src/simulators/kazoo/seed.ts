/**
 * The simulator's starting directory: a main account with four phones, four users, two ACDC
 * queues and three agents, plus a second account (to prove events never cross accounts).
 * Ids are derived from labels, so they are stable across runs (32 hex, like Kazoo's).
 */
import { createHash } from 'node:crypto';
import type { KazooModel } from './model.js';

export const kazooId = (label: string): string => createHash('md5').update(`kazoo-sim:${label}`).digest('hex');
const apiKeyFor = (label: string): string => createHash('sha256').update(`kazoo-sim-key:${label}`).digest('hex');

const PEOPLE = [
  { ext: '1001', first: 'Alice', last: 'Martin', queues: ['support', 'sales'] },
  { ext: '1002', first: 'Bruno', last: 'Petit', queues: ['support'] },
  { ext: '1003', first: 'Chloé', last: 'Durand', queues: ['sales'] },
  { ext: '1004', first: 'David', last: 'Leroy', queues: undefined },
] as const;

export interface SeedResult {
  accountId: string;
  apiKey: string;
  otherAccountId: string;
  otherApiKey: string;
  deviceIds: string[];
  userIds: string[];
  queueIds: string[];
}

export function seedModel(model: KazooModel): SeedResult {
  const accountId = kazooId('account:demo');
  const apiKey = apiKeyFor('demo');
  model.accounts.set(accountId, { id: accountId, name: 'Demo', apiKey, realm: 'demo.sip.example' });
  const queueIds: string[] = [];
  for (const name of ['support', 'sales']) {
    const id = kazooId(`queue:${name}`);
    model.queues.set(id, { id, accountId, name: name === 'support' ? 'Support' : 'Sales' });
    queueIds.push(id);
  }
  const deviceIds: string[] = [];
  const userIds: string[] = [];
  for (const person of PEOPLE) {
    const userId = kazooId(`user:${person.ext}`);
    const deviceId = kazooId(`device:${person.ext}`);
    model.users.set(userId, {
      id: userId,
      accountId,
      firstName: person.first,
      lastName: person.last,
      queues: person.queues?.map((queue) => kazooId(`queue:${queue}`)),
      status: person.queues ? 'ready' : 'logged_out',
      statusAt: model.now(),
    });
    model.devices.set(deviceId, {
      id: deviceId,
      accountId,
      name: `${person.first} ${person.last}`,
      username: `user_${person.ext}`,
      number: person.ext,
      ownerId: userId,
      reachable: true,
    });
    userIds.push(userId);
    deviceIds.push(deviceId);
  }

  const otherAccountId = kazooId('account:other');
  const otherApiKey = apiKeyFor('other');
  model.accounts.set(otherAccountId, { id: otherAccountId, name: 'Other', apiKey: otherApiKey, realm: 'other.sip.example' });
  const otherDevice = kazooId('device:other-2001');
  model.devices.set(otherDevice, {
    id: otherDevice,
    accountId: otherAccountId,
    name: 'Other Phone',
    username: 'user_2001',
    number: '2001',
    ownerId: undefined,
    reachable: true,
  });
  return { accountId, apiKey, otherAccountId, otherApiKey, deviceIds, userIds, queueIds };
}
