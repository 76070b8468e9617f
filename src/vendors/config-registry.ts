/**
 * Every vendor's source config schema, for the config file's `sources[].vendor` union.
 * A new vendor adds its folder and one line here.
 */
import { KazooSourceConfigSchema } from './kazoo/config.js';
import { MirtaSourceConfigSchema } from './mirta/config.js';
import { PbxwareSourceConfigSchema } from './pbxware/config.js';
import { ThreeCxSourceConfigSchema } from './threecx/config.js';
import { WebAppelSourceConfigSchema } from './webappel/config.js';
import { XivoSourceConfigSchema } from './xivo/config.js';

export const SOURCE_CONFIG_SCHEMAS = [MirtaSourceConfigSchema, KazooSourceConfigSchema, XivoSourceConfigSchema, WebAppelSourceConfigSchema, ThreeCxSourceConfigSchema, PbxwareSourceConfigSchema] as const;
