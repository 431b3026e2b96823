import type { Definition } from '../contracts/definition';

/**
 * A general assistant with no tools: the agent an m8tes client runs when it names none (`runs.create`
 * without `teammate_id`). The model is `default`: HOLDPOINT_MODEL on the worker when set (then it answers
 * the message for real, and asks clarifying questions when a person is in the loop); otherwise its one
 * scripted turn, so the face answers offline too.
 */
export const assistant: Definition = {
  name: 'assistant',
  title: 'Assistant',
  description: 'A general assistant without tools; the default agent of the m8tes face.',
  version: '1',
  steps: [
    {
      name: 'assistant',
      type: 'agent',
      title: 'Assistant',
      instructions:
        "You are a helpful assistant. Answer the user's message directly and briefly. If the request is ambiguous and a person is in the loop, ask one clarifying question first.",
      model: 'default',
      max_steps: 6,
      script: [{ text: 'holdpoint has no model configured (set HOLDPOINT_MODEL on the worker), so this scripted assistant can only acknowledge your message.' }],
    },
  ],
  result: 'steps.assistant.output',
};
