/**
 * The reference validators, when installed: `@asyncapi/parser` (the AsyncAPI Initiative's own) and
 * `@readme/openapi-parser` (OpenAPI 3.1; the maintained fork of `@apidevtools/swagger-parser`,
 * whose 13.x needs Node 22). They are optional dev dependencies: each function answers undefined
 * when its package is missing, and the test falls back to structural checks.
 */

interface Diagnostic {
  severity: number;
  message: string;
  path: Array<string | number>;
}
interface AsyncApiParserModule {
  Parser: new () => { validate(document: string): Promise<Diagnostic[]> };
}
/** Throws on an invalid document (swagger-parser, older forks) or answers `{ valid, errors }`. */
interface OpenApiParserModule {
  validate(api: object): Promise<unknown>;
}

/** Imported by a name held in a variable, so that `tsc` does not need the package. */
async function optionalImport<T>(name: string): Promise<T | undefined> {
  try {
    return (await import(name)) as T;
  } catch {
    return undefined;
  }
}

/** Errors (severity 0) the AsyncAPI parser reports, or undefined when it is not installed. */
export async function officialAsyncApiProblems(yamlText: string): Promise<string[] | undefined> {
  const module = await optionalImport<AsyncApiParserModule>('@asyncapi/parser');
  if (!module) return undefined;
  const diagnostics = await new module.Parser().validate(yamlText);
  return diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
}

/** What the OpenAPI parser's validate() reports, or undefined when it is not installed. */
export async function officialOpenApiProblems(doc: object): Promise<string[] | undefined> {
  const module =
    (await optionalImport<OpenApiParserModule>('@readme/openapi-parser')) ??
    (await optionalImport<OpenApiParserModule & { default?: OpenApiParserModule }>('@apidevtools/swagger-parser'));
  if (!module) return undefined;
  const parser = (module as { default?: OpenApiParserModule }).default ?? module;
  try {
    const result = (await parser.validate(structuredClone(doc))) as { valid?: boolean; errors?: Array<{ message?: string }> } | undefined;
    if (result?.valid === false) return (result.errors ?? [{ message: 'invalid' }]).map((error) => String(error.message));
    return [];
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}
