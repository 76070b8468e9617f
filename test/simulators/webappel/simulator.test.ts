/** The WebAppel simulator over HTTP, as a real client would see it. */
import { afterEach, describe, expect, it } from 'vitest';
import { startWebAppelSimulator, type WebAppelSimulator } from '../../../src/simulators/webappel/index.js';
import { waitFor } from '../../support/wait-for.js';

let sim: WebAppelSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const FAST = { callingAfterMs: 20, connectedAfterMs: 40, endedAfterMs: 80, delayScale: 0.01 };

async function call(s: WebAppelSimulator, params: Record<string, string>, creds = true): Promise<{ status: number; text: string }> {
  const query = new URLSearchParams(creds ? { email: s.email, pass: s.pass, ...params } : params);
  const response = await fetch(`${s.url}?${query.toString()}`);
  return { status: response.status, text: await response.text() };
}
const appel = { methode: 'appel', id_popup: '77', e164: '33170200258', nbressais: '1', rec: '0', dureemaxi: '60' };

describe('WebAppel simulator', () => {
  it('refuses wrong credentials with a non-OK text', async () => {
    sim = await startWebAppelSimulator();
    expect(await call(sim, { ...appel, email: sim.email, pass: 'nope' }, false)).toEqual({ status: 200, text: 'KO: identifiants incorrects' });
    expect((await call(sim, { methode: 'appel_listing', id_popup: '77' }, false)).text).toBe('KO: identifiants incorrects');
    expect(sim.model.callbacks.size).toBe(0);
  });

  it('checks appel parameters', async () => {
    sim = await startWebAppelSimulator();
    const { dureemaxi: _omit, ...missing } = appel;
    expect((await call(sim, missing)).text).toBe('KO: parametre manquant dureemaxi');
    expect((await call(sim, { ...appel, id_popup: '5' })).text).toBe('KO: popup inconnue');
    expect((await call(sim, { ...appel, e164: '+33 1' })).text).toBe('KO: e164 invalide');
    expect((await call(sim, { methode: 'nope' })).text).toBe('KO: methode inconnue');
    expect((await call(sim, { methode: 'operateur_ajout', nom_liste_op: 'l', e164: '33820620620' })).text).toBe('OK');
  });

  it('runs a callback to its final etat; listings show it only once ended, in the seed columns', async () => {
    sim = await startWebAppelSimulator({ timings: FAST });
    const id = (await call(sim, { ...appel, nom: 'Jade', usr1: 'R1', client_ip: '10.0.0.1' })).text;
    expect(id).toBe('8');
    const cb = sim.model.callbacks.get(id)!;
    expect(sim.model.phase(cb)).toBe('waiting');
    expect((await call(sim, { methode: 'appel_listing', id_popup: '77', id_tracking: id })).text).toBe('');
    await waitFor(() => sim!.model.phase(cb) === 'connected');
    await waitFor(() => sim!.model.phase(cb) === 'ended');
    const listing = (await call(sim, { methode: 'appel_listing', id_popup: '77', id_tracking: id })).text;
    expect(listing.endsWith('\n')).toBe(true);
    const cells = listing.trim().split(';');
    expect(cells).toHaveLength(15);
    expect(cells[0]).toBe('8');
    expect(cells[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(cells[4]).toBe('10.0.0.1');
    expect(cells[9]).toBe('Jade');
    expect(cells[10]).toBe('R1');
    expect(cells[14]).toBe('OK');
    const resume = (await call(sim, { methode: 'appels_resume', id_popup: '77', id_tracking: id })).text.trim().split(';');
    expect(resume).toHaveLength(11);
    expect(resume[1]).toBe('77');
    expect(resume[10]).toBe('OK');
    // Another popup's listing does not show it; a date range does.
    expect((await call(sim, { methode: 'appel_listing', id_popup: '78' })).text).toBe('');
    const day = cells[1]!.slice(0, 10);
    expect((await call(sim, { methode: 'appel_listing', id_popup: '77', date_debut: day, date_fin: day })).text).toBe(listing);
    expect((await call(sim, { methode: 'appel_listing', id_popup: '77', date_debut: '2000-01-01', date_fin: '2000-01-02' })).text).toBe('');
  });

  it('cancels only before the start; failures and the etat vocabulary are configurable', async () => {
    sim = await startWebAppelSimulator({ timings: FAST, etats: { failed: 'NON_ABOUTI' }, trackingFormat: 'ok-prefixed' });
    const delayed = (await call(sim, { ...appel, delais: '60' })).text;
    expect(delayed).toMatch(/^OK;\d+$/);
    const id = delayed.slice(3);
    expect((await call(sim, { methode: 'appel_annuler', id_popup: '77', id_contact: id })).text).toBe('OK');
    expect((await call(sim, { methode: 'appel_listing', id_popup: '77', id_tracking: id })).text.trim().split(';')[14]).toBe('ANNULE');
    expect((await call(sim, { methode: 'appel_annuler', id_popup: '77', id_contact: '999' })).text).toBe('KO: contact inconnu');

    const now = (await call(sim, { ...appel, e164: '33170000000' })).text.slice(3);
    await waitFor(() => sim!.model.phase(sim!.model.callbacks.get(now)!) !== 'waiting');
    expect((await call(sim, { methode: 'appel_annuler', id_popup: '77', id_contact: now })).text).toBe('KO: appel deja initie');
    await waitFor(() => sim!.model.etat(sim!.model.callbacks.get(now)!) !== undefined);
    expect((await call(sim, { methode: 'appels_resume', id_popup: '77', id_tracking: now })).text.trim().split(';')[10]).toBe('NON_ABOUTI');
  });

  it('logs requests and serves armed faults', async () => {
    sim = await startWebAppelSimulator();
    sim.faults.arm('http500', { methode: 'appel_listing' });
    expect((await call(sim, { methode: 'appel_listing', id_popup: '77' })).status).toBe(500);
    expect((await call(sim, { methode: 'appel_listing', id_popup: '77' })).status).toBe(200);
    expect(sim.requests.count('appel_listing')).toBe(2);
    expect(sim.requests.last()?.query).toMatchObject({ methode: 'appel_listing', id_popup: '77', email: sim.email });
    expect((await fetch(sim.url.replace('api.php', 'other.php'))).status).toBe(404);
  });
});
