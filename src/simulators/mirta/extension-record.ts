/**
 * The raw `info=extensions` record: MiRTA dumps the whole extensions row (about 148 `ex_*`
 * columns, 1COM-AUDIT ), secrets included. The simulator does the same so the bridge's
 * secret stripping has something real to strip.
 */
import type { DeviceState, ExtensionRecord, PeerRecord, TenantRecord } from './model-types.js';

/** Columns whose value the simulator does not model: emitted with a neutral default. */
const FILLER_COLUMNS: readonly (readonly [string, string])[] = [
  ['ex_us_id', ''], ['ex_ph_id', ''], ['ex_department', ''], ['ex_location', ''], ['ex_language', 'en'],
  ['ex_timezone', 'Europe/Paris'], ['ex_context', 'authenticated'], ['ex_callgroup', '1'], ['ex_pickupgroup', '1'],
  ['ex_namedcallgroup', ''], ['ex_namedpickupgroup', ''], ['ex_calllimit', '2'], ['ex_busylevel', ''],
  ['ex_nat', 'force_rport,comedia'], ['ex_directmedia', 'no'], ['ex_qualify', 'yes'], ['ex_qualifyfreq', '60'],
  ['ex_dtmfmode', 'rfc2833'], ['ex_codecs', 'alaw,ulaw,g722'], ['ex_transport', 'udp'], ['ex_encryption', 'no'],
  ['ex_avpf', 'no'], ['ex_icesupport', 'no'], ['ex_webrtc', '0'], ['ex_deny', '0.0.0.0/0.0.0.0'], ['ex_permit', ''],
  ['ex_acl', ''], ['ex_maxcontacts', '1'], ['ex_registertimeout', '3600'], ['ex_callwaiting', '1'],
  ['ex_dnd', '0'], ['ex_dnd_ringtone', ''], ['ex_cfu', ''], ['ex_cfb', ''], ['ex_cfna', ''], ['ex_cfna_timeout', '20'],
  ['ex_cfu_enabled', '0'], ['ex_cfb_enabled', '0'], ['ex_cfna_enabled', '0'], ['ex_followme', ''],
  ['ex_followme_enabled', '0'], ['ex_followme_timeout', '20'], ['ex_ringtimeout', '30'], ['ex_ringtone', ''],
  ['ex_autoanswer', '0'], ['ex_intercom', '1'], ['ex_paging', '0'], ['ex_recording', 'no'],
  ['ex_recording_in', 'no'], ['ex_recording_out', 'no'], ['ex_recording_internal', 'no'], ['ex_recording_format', 'mp3'],
  ['ex_vm_enabled', '1'], ['ex_vm_attach', '1'], ['ex_vm_delete', '0'], ['ex_vm_greeting', ''], ['ex_vm_language', 'en'],
  ['ex_vm_maxmsg', '100'], ['ex_vm_transcribe', '0'], ['ex_outboundcid', ''], ['ex_outboundcidname', ''],
  ['ex_emergencycid', ''], ['ex_hidecid', '0'], ['ex_cidprefix', ''], ['ex_costcenter', ''], ['ex_accountcode', ''],
  ['ex_dialplan', ''], ['ex_routeprofile', '1'], ['ex_callrestriction', '0'], ['ex_maxcallduration', '0'],
  ['ex_international', '1'], ['ex_premium', '0'], ['ex_mobile', ''], ['ex_mobile_enabled', '0'],
  ['ex_mobile_delay', '0'], ['ex_presence', '1'], ['ex_presence_message', ''], ['ex_blf_list', ''],
  ['ex_hotdesk', '0'], ['ex_hotdesk_login', ''], ['ex_hotdesk_pin', ''], ['ex_provisioning', '1'],
  ['ex_mac', ''], ['ex_model', ''], ['ex_firmware', ''], ['ex_template', ''], ['ex_line', '1'], ['ex_label', ''],
  ['ex_screen', ''], ['ex_keys', ''], ['ex_expansion', ''], ['ex_wallpaper', ''], ['ex_mwi', '1'],
  ['ex_sms_enabled', '0'], ['ex_sms_number', ''], ['ex_fax_enabled', '0'], ['ex_fax_email', ''],
  ['ex_crm_id', ''], ['ex_crm_enabled', '0'], ['ex_api_enabled', '0'], ['ex_softphone', '0'],
  ['ex_app_enabled', '0'], ['ex_app_push_token', ''], ['ex_app_platform', ''], ['ex_agent', '0'],
  ['ex_agent_wrapup', '0'], ['ex_agent_penalty', '0'], ['ex_queue_login', '0'], ['ex_notes', ''],
  ['ex_custom1', ''], ['ex_custom2', ''], ['ex_custom3', ''], ['ex_created', '2023-01-09 10:12:45'],
  ['ex_updated', '2024-05-17 16:03:11'], ['ex_lastlogin', ''], ['ex_lastip', ''], ['ex_deleted', '0'],
  ['ex_t38', '0'], ['ex_srtp', '0'], ['ex_video', '0'], ['ex_jitterbuffer', '0'], ['ex_rtptimeout', '60'],
  ['ex_rtpholdtimeout', '300'], ['ex_sessiontimers', 'accept'], ['ex_trustrpid', 'yes'], ['ex_sendrpid', 'pai'],
  ['ex_useragent', ''],
];

/**
 * The full vendor record of one extension, in MiRTA's column order, secrets included.
 * @example extensionRecord(ext, tenant, peer, 'NOT_INUSE').ex_password
 */
export function extensionRecord(
  ext: ExtensionRecord,
  tenant: TenantRecord,
  peer: PeerRecord | undefined,
  state: DeviceState,
): Record<string, string> {
  const username = `${ext.number}-${tenant.code}`;
  const record: Record<string, string> = {
    ex_id: String(ext.id),
    ex_te_id: String(tenant.id),
    ex_number: ext.number,
    ex_name: ext.name,
    ex_tech: ext.tech,
    ex_username: username,
    ex_password: ext.secrets.password,
    // The vendor row carries the SIP secret twice, once unprefixed.
    password: ext.secrets.password,
    ex_webpassword: ext.secrets.webPassword,
    ex_email: ext.secrets.email,
    ex_vm_email: ext.secrets.email,
    ex_vm_password: ext.secrets.voicemailPin,
    ex_lockpin: ext.secrets.lockPin,
    ex_2fa_enabled: '1',
    ex_2fa_secret: ext.secrets.twoFactorSecret,
    ex_2fa_backupcodes: `${ext.secrets.lockPin}${ext.secrets.voicemailPin}`,
    ex_disabled: ext.disabled ? '1' : '0',
    ex_callerid: `"${ext.name}" <${ext.number}>`,
    ex_node: peer?.node ?? tenant.node,
    ex_host: peer && peer.status !== 'unregistered' ? peer.host : '',
    st_state: state,
  };
  for (const [column, value] of FILLER_COLUMNS) record[column] = value;
  return record;
}
