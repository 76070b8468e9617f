/**
 * Structural checks of AsyncAPI 3.0 and OpenAPI 3.1 documents, for when the official parsers
 * (`@asyncapi/parser`, `@apidevtools/swagger-parser`) are not installed: required fields, every
 * `$ref` resolving, operations pointing at their channel's messages, path parameters declared.
 * Each returns the problems found (none when the document is sound).
 */
type Doc = Record<string, unknown>;

const isRecord = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value);
const COMPONENT_KEY = /^[a-zA-Z0-9.\-_]+$/;

/** Resolves a local JSON pointer (`#/a/b~1c`). */
export function resolvePointer(doc: Doc, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isRecord(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function refsIn(value: unknown, path: string, out: Array<[string, string]>): void {
  if (Array.isArray(value)) value.forEach((child, i) => refsIn(child, `${path}/${i}`, out));
  else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') out.push([path, child]);
      else refsIn(child, `${path}/${key}`, out);
    }
  }
}

function danglingRefs(doc: Doc): string[] {
  const refs: Array<[string, string]> = [];
  refsIn(doc, '#', refs);
  return refs.filter(([, ref]) => resolvePointer(doc, ref) === undefined).map(([at, ref]) => `${at}: $ref ${ref} does not resolve`);
}

function checkInfo(doc: Doc, problems: string[]): void {
  const info = doc.info;
  if (!isRecord(info) || typeof info.title !== 'string' || typeof info.version !== 'string') problems.push('info: title and version are required strings');
}

export function asyncApiProblems(doc: Doc): string[] {
  const problems: string[] = [...danglingRefs(doc)];
  if (doc.asyncapi !== '3.0.0') problems.push('asyncapi: must be "3.0.0"');
  checkInfo(doc, problems);
  for (const [name, server] of Object.entries(isRecord(doc.servers) ? doc.servers : {})) {
    if (!isRecord(server) || typeof server.host !== 'string' || typeof server.protocol !== 'string') problems.push(`servers.${name}: host and protocol are required`);
  }
  const channels = isRecord(doc.channels) ? doc.channels : {};
  for (const [name, channel] of Object.entries(channels)) {
    if (!isRecord(channel)) problems.push(`channels.${name}: not an object`);
    else if (channel.address !== null && typeof channel.address !== 'string') problems.push(`channels.${name}.address: string or null`);
  }
  const inChannel = (channelRef: unknown, messageRef: unknown, at: string): void => {
    const channelPath = isRecord(channelRef) ? channelRef.$ref : undefined;
    const messagePath = isRecord(messageRef) ? messageRef.$ref : undefined;
    if (typeof channelPath !== 'string' || !/^#\/channels\/[^/]+$/.test(channelPath)) problems.push(`${at}: channel must be a $ref to #/channels/<name>`);
    else if (typeof messagePath !== 'string' || !messagePath.startsWith(`${channelPath}/messages/`)) {
      problems.push(`${at}: message ${String(messagePath)} is not a message of ${channelPath}`);
    }
  };
  for (const [name, operation] of Object.entries(isRecord(doc.operations) ? doc.operations : {})) {
    if (!isRecord(operation)) {
      problems.push(`operations.${name}: not an object`);
      continue;
    }
    if (operation.action !== 'send' && operation.action !== 'receive') problems.push(`operations.${name}.action: send or receive`);
    const messages = Array.isArray(operation.messages) ? operation.messages : [];
    if (messages.length === 0) problems.push(`operations.${name}.messages: none`);
    messages.forEach((message, i) => inChannel(operation.channel, message, `operations.${name}.messages[${i}]`));
    if (operation.reply !== undefined) {
      const reply = isRecord(operation.reply) ? operation.reply : {};
      const replies = Array.isArray(reply.messages) ? reply.messages : [];
      if (replies.length === 0) problems.push(`operations.${name}.reply.messages: none`);
      replies.forEach((message, i) => inChannel(reply.channel, message, `operations.${name}.reply.messages[${i}]`));
    }
  }
  const components = isRecord(doc.components) ? doc.components : {};
  for (const section of ['schemas', 'messages', 'securitySchemes']) {
    for (const key of Object.keys(isRecord(components[section]) ? components[section] : {})) {
      if (!COMPONENT_KEY.test(key)) problems.push(`components.${section}.${key}: key must match ${COMPONENT_KEY}`);
    }
  }
  for (const [name, message] of Object.entries(isRecord(components.messages) ? components.messages : {})) {
    if (!isRecord(message) || message.payload === undefined) problems.push(`components.messages.${name}: payload is required`);
  }
  return problems;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const STATUS = /^([1-5]\d\d|[1-5]XX|default)$/;

export function openApiProblems(doc: Doc): string[] {
  const problems: string[] = [...danglingRefs(doc)];
  if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.1.')) problems.push('openapi: must be 3.1.x');
  checkInfo(doc, problems);
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(isRecord(doc.paths) ? doc.paths : {})) {
    if (!path.startsWith('/')) problems.push(`paths.${path}: must start with /`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
    for (const [method, operation] of Object.entries(isRecord(item) ? item : {})) {
      const at = `paths.${path}.${method}`;
      if (!METHODS.includes(method) || !isRecord(operation)) {
        problems.push(`${at}: not an operation`);
        continue;
      }
      if (typeof operation.operationId === 'string') {
        if (operationIds.has(operation.operationId)) problems.push(`${at}: duplicate operationId ${operation.operationId}`);
        operationIds.add(operation.operationId);
      }
      const parameters = (Array.isArray(operation.parameters) ? operation.parameters : []).filter(isRecord);
      for (const parameter of parameters) {
        if (typeof parameter.name !== 'string' || !['query', 'header', 'path', 'cookie'].includes(String(parameter.in))) problems.push(`${at}: a parameter lacks name or in`);
        if (parameter.schema === undefined && parameter.content === undefined) problems.push(`${at}: parameter ${String(parameter.name)} has no schema`);
        if (parameter.in === 'path' && parameter.required !== true) problems.push(`${at}: path parameter ${String(parameter.name)} must be required`);
      }
      for (const name of templated) {
        if (!parameters.some((parameter) => parameter.in === 'path' && parameter.name === name)) problems.push(`${at}: path parameter {${String(name)}} is not declared`);
      }
      const responses = isRecord(operation.responses) ? operation.responses : {};
      if (Object.keys(responses).length === 0) problems.push(`${at}: no responses`);
      for (const [status, response] of Object.entries(responses)) {
        if (!STATUS.test(status)) problems.push(`${at}.responses.${status}: not a status code`);
        if (!isRecord(response) || typeof response.description !== 'string') problems.push(`${at}.responses.${status}: description is required`);
      }
    }
  }
  return problems;
}
