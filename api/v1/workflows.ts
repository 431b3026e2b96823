import { DefinitionBody, NameParams, RegisterQuery, Registered, Retired, VersionQuery, WorkflowDetail, WorkflowList, WorkflowListQuery } from '../../src/contracts/http/v1';
import type { Core } from '../../src/core';
import { answer, type RouteTable } from '../route';
import { V1_ERRORS } from './errors';
import { presentDefinition, presentListed } from './present';

/** The definitions a caller can start: those loaded at start-up, and those registered at runtime (every version kept). */
export function workflowRoutes(table: RouteTable, core: Core): void {
  table.add({
    method: 'get',
    path: '/workflows',
    summary: 'Every workflow a run can start from (loaded at start-up, and registered)',
    query: WorkflowListQuery,
    responses: { 200: { description: 'The workflows', schema: WorkflowList }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403] },
    handler: async ({ query, actor }) => {
      const listed = await core.definitions.list(actor, { includeRetired: query.retired === 'true' });
      return answer(200, { data: listed.map(presentListed) });
    },
  });

  table.add({
    method: 'get',
    path: '/workflows/:name',
    summary: 'One workflow in full (a registered one at `version`, with its version history)',
    params: NameParams,
    query: VersionQuery,
    responses: { 200: { description: 'The workflow', schema: WorkflowDetail }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403], 404: V1_ERRORS[404] },
    handler: async ({ params, query, actor }) => answer(200, presentDefinition(await core.definitions.get(params.name, query.version, actor))),
  });

  table.add({
    method: 'post',
    path: '/workflows',
    summary: 'Register a definition (admin): validated, kept in Temporal as its next version; the same content answers its version',
    query: RegisterQuery,
    body: DefinitionBody,
    responses: {
      201: { description: 'A new version', schema: Registered },
      200: { description: 'The version this content already has', schema: Registered },
      ...V1_ERRORS,
    },
    handler: async ({ query, body, actor }) => {
      const result = await core.definitions.register(body, actor, query);
      return result.created ? answer(201, result) : answer(200, result);
    },
  });

  table.add({
    method: 'delete',
    path: '/workflows/:name',
    summary: 'Retire a registered workflow (admin): no new runs; running runs go on',
    params: NameParams,
    responses: { 200: { description: 'Retired', schema: Retired }, ...V1_ERRORS },
    handler: async ({ params, actor }) => answer(200, await core.definitions.retire(params.name, actor)),
  });
}
