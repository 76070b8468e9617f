/**
 * The simulator's starting PBX: five extensions (one without a registered phone, one with two
 * devices, device ids with the `:` and `@` real SIP contacts have) and an IVR route point.
 * Everything is monitored by the API application.
 */
import type { ThreeCxModel } from './model.js';

export interface SeedResult {
  /** Extension DNs, in order. */
  extensions: string[];
  /** An extension with no device (it cannot place a call). */
  offlineExtension: string;
  routePoint: string;
}

const PEOPLE = [
  { dn: '100', name: 'Alice Martin', devices: [{ id: 'sip:100@192.0.2.10:5062', ua: 'Yealink SIP-T54W 96.86.0.70' }] },
  {
    dn: '101',
    name: 'Bruno Petit',
    devices: [
      { id: 'sip:101@192.0.2.11:5060', ua: '3CX Web Client' },
      { id: 'sip:101@198.51.100.7:49152', ua: '3CX Android 20.0.3' },
    ],
  },
  { dn: '102', name: 'Chloé Durand', devices: [{ id: 'sip:102@192.0.2.12:5062', ua: 'Fanvil X4U 2.12.1' }] },
  { dn: '103', name: 'David Leroy', devices: [{ id: 'sip:103@192.0.2.13:5062', ua: 'Snom D785 10.1.141.15' }] },
  { dn: '104', name: 'Emma Roux', devices: [] },
] as const;

export function seedModel(model: ThreeCxModel): SeedResult {
  for (const person of PEOPLE) {
    model.addDn({ dn: person.dn, type: 'Wextension', name: person.name });
    for (const device of person.devices) model.registerDevice(person.dn, device.id, device.ua);
  }
  model.addDn({ dn: '800', type: 'Wroutepoint', name: 'IVR bridge' });
  return { extensions: PEOPLE.map((person) => person.dn), offlineExtension: '104', routePoint: '800' };
}
