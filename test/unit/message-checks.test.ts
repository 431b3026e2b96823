import fc from 'fast-check';
import type { z } from 'zod';
import { AwaitSettledRequest, CancelRequest, DecisionRequest, describeIssue, EventsQuery, PermissionModeRequest } from '../../src/contracts/decision';
import {
  checkAwaitSettledMessage,
  checkCancelMessage,
  checkDecisionMessage,
  checkEventsQuery,
  checkPermissionModeMessage,
  describeMessageIssue,
  type Checked,
} from '../../src/contracts/message-checks';

// The workflow checks its messages without zod (src/contracts/message-checks.ts); the zod schemas
// stay the contract. Differential: over generated messages both accept the same, return the same
// value, and refuse with the same first issue in the same words.

type Check = (raw: unknown) => Checked<unknown>;

function agree(schema: z.ZodType, check: Check, raw: unknown): void {
  const expected = schema.safeParse(raw);
  const actual = check(raw);
  if (expected.success) {
    expect(actual).toEqual({ ok: true, value: expected.data });
    // Same key order too: what a run records from a message reads the same either way.
    if (actual.ok) expect(JSON.stringify(actual.value)).toBe(JSON.stringify(expected.data));
  } else {
    expect(actual.ok).toBe(false);
    const shape = (schema as unknown as { def?: { out?: { shape?: Record<string, unknown> } } }).def?.out?.shape ?? {};
    if (!actual.ok) expect(describeMessageIssue(actual.issue)).toEqual(describeIssue(expected.error.issues[0]!, Object.keys(shape)));
  }
}

// Values near every rule's edges, and of every JSON kind.
const str = fc.oneof(
  fc.constantFrom('', 'a', 'skip', 'rest', 'Rest', 'slack', 'user:ann', 'group:ops', 'ops', 'sha256:' + 'a'.repeat(64), 'sha256:' + 'A'.repeat(64), 'x'.repeat(200), 'x'.repeat(201), 'x'.repeat(255), 'x'.repeat(256)),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(...['autonomous', 'approval', 'plan', 'x'.repeat(4_000), 'x'.repeat(4_001), `user:${'x'.repeat(200)}`]),
);
const num = fc.oneof(fc.constantFrom(0, -1, 1, 1.5, -1.5, 1_000, 1_001, 300_000, 300_001, Number.NaN, Infinity, -Infinity), fc.integer(), fc.double());
const leaf = fc.oneof(str, num, fc.boolean(), fc.constant(null));
const anyValue = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), leaf, { maxKeys: 2 }));
const groupsValue = fc.oneof(fc.array(fc.oneof(str, leaf), { maxLength: 4 }), fc.array(fc.constant('g'), { minLength: 199, maxLength: 202 }), leaf);

function messageOf(fields: Record<string, fc.Arbitrary<unknown>>, extra = true): fc.Arbitrary<unknown> {
  const known = fc.record(fields, { requiredKeys: [] });
  const withExtra = extra ? fc.tuple(known, fc.dictionary(fc.constantFrom('zz', 'yy', 'Step', 'stepp'), leaf, { maxKeys: 2 })).map(([a, b]) => ({ ...a, ...b })) : known;
  return fc.oneof({ weight: 8, arbitrary: withExtra }, { weight: 1, arbitrary: anyValue }, { weight: 1, arbitrary: fc.constant(undefined) });
}

const decision = messageOf({
  request_id: fc.oneof(str, leaf),
  step: fc.oneof(str, leaf),
  value: anyValue,
  action: fc.oneof(fc.constant('skip'), leaf),
  comment: fc.oneof(str, leaf),
  by: fc.oneof(str, leaf),
  groups: groupsValue,
  digest: fc.oneof(str, leaf),
  idempotency_key: fc.oneof(str, leaf),
  via: fc.oneof(str, leaf),
  remember: fc.oneof(fc.boolean(), leaf),
  wait_ms: fc.oneof(num, leaf),
});

const runs = { numRuns: 3_000 };

describe('message checks inside the workflow agree with the zod schemas', () => {
  it('decide', () => {
    fc.assert(fc.property(decision, (raw) => agree(DecisionRequest, checkDecisionMessage, raw)), runs);
  });

  it('decide: mostly valid messages (one field off at most)', () => {
    const valid = fc.record(
      {
        step: fc.constant('approval'),
        value: fc.oneof(fc.constant('approve'), fc.constant(null), anyValue),
        comment: fc.string({ maxLength: 20 }),
        by: fc.constantFrom('ann', 'bob'),
        groups: fc.array(fc.constantFrom('ops', 'group:ops', 'group:sales', 'sales'), { maxLength: 4 }),
        idempotency_key: fc.constantFrom('k1', 'k2'),
        via: fc.constantFrom('rest', 'slack'),
        wait_ms: fc.constantFrom(0, 5_000),
      },
      { requiredKeys: ['step'] },
    );
    const oneOff = fc.tuple(valid, fc.constantFrom('step', 'request_id', 'action', 'by', 'groups', 'digest', 'via', 'remember', 'wait_ms', 'value'), leaf).map(([m, k, v]) => ({ ...m, [k]: v }));
    fc.assert(fc.property(fc.oneof(valid, oneOff), (raw) => agree(DecisionRequest, checkDecisionMessage, raw)), runs);
  });

  it('awaitSettled, requestCancel, setPermissionMode, getEvents', () => {
    fc.assert(fc.property(messageOf({ wait_ms: fc.oneof(num, leaf) }), (raw) => agree(AwaitSettledRequest, checkAwaitSettledMessage, raw)), runs);
    fc.assert(fc.property(messageOf({ by: fc.oneof(str, leaf), reason: fc.oneof(str, leaf) }), (raw) => agree(CancelRequest, checkCancelMessage, raw)), runs);
    fc.assert(
      fc.property(messageOf({ permission_mode: fc.oneof(str, leaf), by: fc.oneof(str, leaf), via: fc.oneof(str, leaf) }), (raw) => agree(PermissionModeRequest, checkPermissionModeMessage, raw)),
      runs,
    );
    fc.assert(fc.property(messageOf({ after: fc.oneof(num, leaf), limit: fc.oneof(num, leaf) }), (raw) => agree(EventsQuery, checkEventsQuery, raw)), runs);
  });

  it('names the field and the rule in the words the faces show', () => {
    expect(describeMessageIssue((checkDecisionMessage({ step: 's', value: 1, wait_ms: 400_000 }) as unknown as { issue: never }).issue)).toEqual({ field: 'wait_ms', message: 'wait_ms: Too big: expected number to be <=300000' });
    expect(describeMessageIssue((checkDecisionMessage({ step: 's', value: 1, zz: 1 }) as unknown as { issue: never }).issue).message).toMatch(/^unknown field "zz"; this message takes request_id, step, value, action/);
    expect(checkDecisionMessage({ step: 's', action: 'skip', value: null, groups: ['group:a', 'a', 'b'] })).toEqual({ ok: true, value: { step: 's', action: 'skip', groups: ['a', 'b'] } });
  });
});
