/**
 * How each vendor's source is built from its config. A new vendor adds its folder and one
 * entry here (and its config schema in config-registry.ts).
 */
import type { SourceConfig } from '../config/schema.js';
import type { BridgeMetrics } from '../observability/metrics.js';
import type { Source, SourceContext } from '../sources/source.js';
import { createKazooSource } from './kazoo/index.js';
import { createMirtaSource } from './mirta/index.js';
import { createPbxwareSource } from './pbxware/index.js';
import { createThreeCxSource } from './threecx/index.js';
import { createWebAppelSource } from './webappel/index.js';
import { createXivoSource } from './xivo/index.js';

export interface SourceBuildContext extends SourceContext {
  metrics?: BridgeMetrics;
}

type Factories = {
  [V in SourceConfig['vendor']]: (config: Extract<SourceConfig, { vendor: V }>, context: SourceBuildContext) => Source;
};

const FACTORIES: Factories = {
  mirta: (config, context) => createMirtaSource(config, context),
  kazoo: (config, context) => createKazooSource(config, context),
  xivo: (config, context) => createXivoSource(config, context),
  webappel: (config, context) => createWebAppelSource(config, context),
  pbxware: (config, context) => createPbxwareSource(config, context),
  '3cx': (config, context) => createThreeCxSource(config, context),
};

export function buildSource(config: SourceConfig, context: SourceBuildContext): Source {
  const factory = FACTORIES[config.vendor] as (config: SourceConfig, context: SourceBuildContext) => Source;
  return factory(config, context);
}
