import { describe, expect, it } from 'vitest';
import { WebAppelClient } from '../../../src/vendors/webappel/client.js';
import { WebAppelSourceConfigSchema } from '../../../src/vendors/webappel/config.js';
import { APPEL_LISTING_COLUMNS, APPELS_RESUME_COLUMNS, isOk, looksLikeAuthError, mapEtat, parseAppelReply, parseListing } from '../../../src/vendors/webappel/parsers.js';

describe('webappel parsers', () => {
  it('keeps the seed column order', () => {
    expect(APPEL_LISTING_COLUMNS.join(';')).toBe('id_tracking;date_time;delais;dt;ip;duree_sonnerie;duree_appel;type_dest;prix;nom;usr1;usr2;usr3;provenance;etat');
    expect(APPELS_RESUME_COLUMNS.join(';')).toBe('id_tracking;id_popup;date_time;delais;ip;duree_appel;nom;usr1;usr2;usr3;etat');
  });

  it('reads appel answers', () => {
    expect(parseAppelReply('8')).toEqual({ ok: true, trackingId: '8' });
    expect(parseAppelReply('8\n')).toEqual({ ok: true, trackingId: '8' });
    expect(parseAppelReply('OK;8')).toEqual({ ok: true, trackingId: '8' });
    expect(parseAppelReply('ok; 12 ')).toEqual({ ok: true, trackingId: '12' });
    expect(parseAppelReply('OK')).toEqual({ ok: false, text: 'OK' });
    expect(parseAppelReply('KO: popup inconnue')).toEqual({ ok: false, text: 'KO: popup inconnue' });
    expect(parseAppelReply('')).toEqual({ ok: false, text: '' });
    expect(isOk(' OK\r\n')).toBe(true);
    expect(isOk('KO')).toBe(false);
  });

  it('reads listing rows, with CRLF, a trailing `;` or nothing', () => {
    const row = '8;2016-08-06 15:05:26;30;2016-08-06 15:05:56;1.2.3.4;12;95;FR_Fixe;0.19;Jade;a;b;c;api;OK';
    const reply = parseListing(`${row}\r\n${row.replace(/^8/, '9')};\r\n`, 'appel_listing');
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    expect(reply.rows).toHaveLength(2);
    expect(reply.rows[0]).toMatchObject({ id_tracking: '8', duree_appel: '95', nom: 'Jade', provenance: 'api', etat: 'OK' });
    expect(reply.rows[1]?.id_tracking).toBe('9');
    expect(parseListing('', 'appel_listing')).toEqual({ ok: true, rows: [] });
    const resume = parseListing('8;77;2016-08-06 15:05:26;0;;95;Jade;;;;ECHEC\n', 'appels_resume');
    expect(resume.ok && resume.rows[0]).toMatchObject({ id_popup: '77', etat: 'ECHEC' });
  });

  it('treats anything else as the vendor error text', () => {
    expect(parseListing('KO: identifiants incorrects', 'appel_listing')).toEqual({ ok: false, text: 'KO: identifiants incorrects' });
    expect(parseListing('8;77;x', 'appels_resume').ok).toBe(false);
    expect(looksLikeAuthError('KO: identifiants incorrects')).toBe(true);
    expect(looksLikeAuthError('KO: popup inconnue')).toBe(false);
  });

  it('maps etat words', () => {
    expect(mapEtat('OK')).toEqual({ state: 'completed' });
    expect(mapEtat('ECHEC')).toEqual({ state: 'failed', reason: 'ECHEC' });
    expect(mapEtat('annule')).toEqual({ state: 'cancelled' });
    expect(mapEtat('OCCUPE')).toEqual({ state: 'failed', reason: 'OCCUPE' });
  });
});

describe('webappel config and client', () => {
  it('fills defaults', () => {
    const config = WebAppelSourceConfigSchema.parse({
      id: 'webappel',
      vendor: 'webappel',
      url: 'https://webservices.axialys.net/get/webappel/api.php',
      email: 'ops@acme.example',
      pass: 'secret',
      tenant: 'acme',
      popups: [77, 'Popup2'],
    });
    expect(config.popups).toEqual(['77', 'Popup2']);
    expect(config.appel).toEqual({ nbressais: 1, rec: '0', dureemaxi: 3600 });
    expect(config.listing).toBe('appel_listing');
    expect(config.poll).toBe(5000);
    expect(config.limits.timeout).toBe(10_000);
    expect(() => WebAppelSourceConfigSchema.parse({ ...config, popups: [] })).toThrow();
  });

  it('scrubs credentials from vendor texts', () => {
    const client = new WebAppelClient({ url: 'http://127.0.0.1:1/api.php', email: 'a@b.example', pass: 'p@ss w0rd!' });
    expect(client.redact('KO: pass=p@ss w0rd! email=a@b.example')).toBe('KO: pass=[redacted] email=[redacted]');
    expect(client.redact('KO pass=p%40ss%20w0rd!')).toBe('KO pass=[redacted]');
    expect(client.redact('x'.repeat(300))).toHaveLength(201);
  });
});
