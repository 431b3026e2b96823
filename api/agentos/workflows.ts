import { z } from 'zod';
import { AgentOsConfig, AgentOsWorkflow, AgentOsWorkflowSummary, VersionQuery, WorkflowParams } from '../../src/contracts/http/agentos';
import type { Core } from '../../src/core';
import { answer, type RouteTable } from '../route';
import { AGENTOS_ERRORS } from './errors';
import { workflowOf } from './lookup';
import { configResponse, workflowDetail, workflowSummary } from './present-workflows';

/** `GET /config`, `GET /workflows`, `GET /workflows/{id}`: every definition a run can start from. */
export function workflowRoutes(table: RouteTable, core: Core): void {
  table.add({
    method: 'get',
    path: '/config',
    summary: "The OS's configuration (`ConfigResponse`): its database and holdpoint's workflows",
    responses: { 200: { description: 'The configuration', schema: AgentOsConfig }, 401: AGENTOS_ERRORS[401] },
    handler: async ({ actor }) => answer(200, configResponse((await core.definitions.list(actor)).map(workflowSummary))),
  });

  table.add({
    method: 'get',
    path: '/workflows',
    summary: 'Every workflow a run can start from: start-up definitions, then registered components',
    responses: { 200: { description: 'The workflows (`WorkflowSummaryResponse`s)', schema: z.array(AgentOsWorkflowSummary) }, 401: AGENTOS_ERRORS[401] },
    handler: async ({ actor }) => {
      const listed = await core.definitions.list(actor);
      // Definitions loaded at start-up first, then registered ones (AgentOS: code workflows, then components).
      return answer(200, [...listed.filter((d) => d.source === 'static'), ...listed.filter((d) => d.source === 'registered')].map(workflowSummary));
    },
  });

  table.add({
    method: 'get',
    path: '/workflows/:workflowId',
    summary: 'One workflow (`WorkflowResponse`): input schema, steps, agent steps with their tools and HITL flags',
    params: WorkflowParams,
    query: VersionQuery,
    responses: { 200: { description: 'The workflow', schema: AgentOsWorkflow }, 401: AGENTOS_ERRORS[401], 404: AGENTOS_ERRORS[404], 422: AGENTOS_ERRORS[422] },
    handler: async ({ params, query, actor }) => answer(200, workflowDetail(await workflowOf(core, params.workflowId, query.version, actor))),
  });
}
