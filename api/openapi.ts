import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { z } from 'zod';
import { openApiPath, type AnyRoute, type RouteTable } from './route';

type Json = Record<string, unknown>;

/**
 * One Server-Sent Event, as tools read a stream's `schema` before OpenAPI 3.2's `itemSchema`: each
 * event parsed into its fields (Schemathesis checks every event of a stream against it).
 */
const SSE_EVENT: Json = {
  type: 'object',
  description: 'One Server-Sent Event; `data` is the JSON payload as text',
  properties: { event: { type: 'string' }, data: { type: 'string' }, id: { type: 'string' }, retry: { type: 'integer' } },
};

/**
 * The OpenAPI 3.1 document, generated from the route declarations (one tag per face). Schemas named
 * with `.meta({ id })` in the contracts become shared components; everything else is inline.
 */
export function openApiDocument(tables: readonly RouteTable[], info: { title: string; version: string; description: string }): Json {
  const components: Record<string, Json> = {};
  const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): Json => toComponents(jsonSchema(schema, io), components, io);
  const paths: Record<string, Record<string, Json>> = {};
  const securitySchemes: Record<string, Json> = {};

  for (const table of tables) {
    const { name, basePath, security } = table.options;
    if (security) {
      securitySchemes[securityName(name)] =
        security.scheme === 'bearer'
          ? { type: 'http', scheme: 'bearer', description: security.description }
          : { type: 'apiKey', in: 'header', name: security.header ?? 'X-API-Key', description: security.description };
    }
    for (const route of table.routes) {
      const path = openApiPath(basePath, route.path);
      const parameters = [
        ...parametersOf(route.params, 'path', schemaOf),
        ...parametersOf(route.query, 'query', schemaOf),
        ...parametersOf(route.headers, 'header', schemaOf),
      ];
      const operation: Json = {
        tags: [name],
        summary: route.summary,
        ...(route.description ? { description: route.description } : {}),
        operationId: operationId(name, route),
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(route.body
          ? {
              requestBody: {
                required: true,
                content: { [route.bodyType === 'form' ? 'application/x-www-form-urlencoded' : route.bodyType === 'raw' ? 'application/octet-stream' : 'application/json']: { schema: schemaOf(route.body, 'input') } },
              },
            }
          : {}),
        responses: Object.fromEntries(
          Object.entries(route.responses).map(([status, spec]) => [
            status,
            {
              description: spec.description,
              ...(spec.contentType
                ? { content: { [spec.contentType]: { schema: { type: 'string' } } } }
                : spec.kind === 'sse'
                ? { content: { 'text/event-stream': { schema: SSE_EVENT } } }
                : spec.kind === 'html' || spec.kind === 'text'
                  ? { content: { [spec.kind === 'html' ? 'text/html' : 'text/plain']: { schema: { type: 'string' } } } }
                  : spec.schema
                    ? {
                        content: {
                          'application/json': { schema: schemaOf(spec.schema, 'output') },
                          ...(spec.sse ? { 'text/event-stream': { schema: SSE_EVENT } } : {}),
                        },
                      }
                    : {}),
            },
          ]),
        ),
        ...(route.public || !security ? { security: [] } : { security: [{ [securityName(name)]: [] }] }),
      };
      (paths[path] ??= {})[route.method] = operation;
    }
  }
  return {
    openapi: '3.1.0',
    info,
    tags: tables.map((t) => ({ name: t.options.name, description: t.options.description })),
    paths,
    components: { schemas: components, securitySchemes },
  };
}

/** Response checking for tests: each JSON answer is validated against the schema the document publishes for it. */
export function responseChecker(): (route: AnyRoute, status: number, body: unknown) => void {
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  addFormats(ajv);
  // By the schema itself: routes of different faces share paths (`/webhooks/:id`) but not schemas.
  const compiled = new WeakMap<z.ZodType, ValidateFunction>();
  return (route, status, body) => {
    const schema = route.responses[status]?.schema;
    if (!schema) return;
    let validate = compiled.get(schema);
    if (!validate) compiled.set(schema, (validate = ajv.compile(jsonSchema(schema, 'output'))));
    if (!validate(JSON.parse(JSON.stringify(body)))) {
      const first = validate.errors?.[0];
      throw new Error(
        `${route.method} ${route.path} ${status}: the answer does not match its declared schema: ${first?.instancePath || '(root)'} ${first?.message ?? ''} ${JSON.stringify(first?.params ?? {})}`,
      );
    }
  };
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any', cycles: 'ref', reused: 'inline' }) as Json;
  delete generated.$schema;
  return generated;
}

/**
 * Moves `$defs` into the document's components and points the references there. A named schema can
 * read differently as a request (input: defaults make fields optional) than as a response (output);
 * when a component of that name already holds the other reading, this one is named `<id>Input`.
 */
function toComponents(schema: Json, components: Record<string, Json>, io: 'input' | 'output'): Json {
  const defs = (schema.$defs as Record<string, Json> | undefined) ?? {};
  delete schema.$defs;
  const names: Record<string, string> = {};
  const rewrite = (value: Json) =>
    JSON.parse(JSON.stringify(value).replace(/"#\/\$defs\/([^"]+)"/g, (_, id: string) => `"#/components/schemas/${names[id] ?? id}"`)) as Json;
  for (const [id, def] of Object.entries(defs)) {
    const taken = components[id];
    if (taken && JSON.stringify(taken) !== JSON.stringify(rewrite(def))) names[id] = io === 'input' ? `${id}Input` : `${id}Output`;
  }
  for (const [id, def] of Object.entries(defs)) components[names[id] ?? id] ??= rewrite(def);
  return rewrite(schema);
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query' | 'header', schemaOf: (s: z.ZodType, io: 'input' | 'output') => Json): Json[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input');
  const properties = (json.properties as Record<string, Json> | undefined) ?? {};
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

function operationId(face: string, route: AnyRoute): string {
  const words = route.path
    .split('/')
    .filter(Boolean)
    .map((part) => (part.startsWith(':') ? `by_${part.slice(1)}` : part.replace(/[^A-Za-z0-9]+/g, '_')));
  return [face.toLowerCase().replace(/[^a-z0-9]+/g, '_'), route.method, ...words].join('_');
}

function securityName(face: string): string {
  return `${face.replace(/[^A-Za-z0-9]+/g, '')}Key`;
}
