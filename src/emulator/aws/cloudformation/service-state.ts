/**
 * One CloudFormation state per emulator backend, made on first use, with StackSets wired to the
 * stack operations they deploy instances through (injected, so neither imports the other).
 */
import type { AwsBackend } from "../backend.js";
import { createStack, deleteStack, updateStack } from "./stacks.js";
import { StackSets } from "./stacksets.js";
import { CloudFormationState } from "./state.js";

const states = new WeakMap<AwsBackend, CloudFormationState>();

export function cloudFormationState(backend: AwsBackend): CloudFormationState {
  let s = states.get(backend);
  if (!s) {
    s = new CloudFormationState(backend, wireStackSets);
    states.set(backend, s);
  }
  return s;
}

function wireStackSets(state: CloudFormationState): StackSets {
  return new StackSets(
    {
      store: state.backend.store,
      organizations: state.organizations,
      now: () => state.now(),
      uuid: () => state.uuid(),
      track: (p) => state.track(p),
    },
    {
      create: (input) => createStack(state, input),
      update: (input) => updateStack(state, input),
      delete: (account, region, stackId) => deleteStack(state, account, region, stackId),
      settled: (stackId) => state.settled(stackId),
      stack: (stackId) => state.stacks.get(stackId),
      eventsOf: (stackId) => state.eventsOf(stackId),
      hasAccount: (account) => state.backend.accounts.has(account),
    },
  );
}
