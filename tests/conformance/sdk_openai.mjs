// Runs one call of the official `openai` Node SDK against a server (prsm's fake provider) and
// checks what the SDK made of the answer against what the server was scripted to say.
//
//   node sdk_openai.mjs <case> <base-url> <model> <expected-json>
//
// Cases: plain, stream, stream-helper, tools, tools-stream, logprobs, error.
// <expected-json> holds the scripted values the case checks (text, prompt_tokens, ...).
// Exit 0 and one JSON summary line when every check held; otherwise the assertion and exit 1.
// No retries (maxRetries: 0): one call, one request, so the server's count can be checked.
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const [name, baseURL, model, expectedJson] = process.argv.slice(2);
if (!name || !baseURL || !model || !expectedJson) {
  console.error('usage: node sdk_openai.mjs <case> <base-url> <model> <expected-json>');
  process.exit(2);
}
const expected = JSON.parse(expectedJson);
const client = new OpenAI({ apiKey: 'sk-conformance-sdk', baseURL, maxRetries: 0, timeout: 20000 });
const messages = [
  { role: 'system', content: 'You are brief.' },
  { role: 'user', content: 'Say hello.' },
];
const tools = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
    },
  },
}];

function checkUsage(usage) {
  assert.ok(usage, 'usage is missing');
  assert.equal(usage.prompt_tokens, expected.prompt_tokens);
  assert.equal(usage.completion_tokens, expected.completion_tokens);
  assert.equal(usage.total_tokens, expected.prompt_tokens + expected.completion_tokens);
  assert.equal(usage.prompt_tokens_details?.cached_tokens ?? 0, expected.cached_tokens ?? 0);
}

function checkToolCalls(toolCalls) {
  assert.ok(Array.isArray(toolCalls) && toolCalls.length === 1, `one tool call expected, got ${JSON.stringify(toolCalls)}`);
  const [call] = toolCalls;
  assert.equal(call.type, 'function');
  assert.ok(call.id, 'the tool call has no id');
  assert.equal(call.function.name, expected.tool_name);
  assert.deepEqual(JSON.parse(call.function.arguments), expected.tool_arguments);
  return call;
}

const cases = {
  async plain() {
    const { data, response } = await client.chat.completions.create({ model, messages }).withResponse();
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.model, model);
    assert.equal(data.choices.length, 1);
    const [choice] = data.choices;
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.content, expected.text);
    assert.equal(choice.finish_reason, 'stop');
    checkUsage(data.usage);
    return { id: data.id, text: choice.message.content, request_id: response.headers.get('x-request-id') };
  },

  // The raw chunk stream, checked chunk by chunk.
  async stream() {
    const stream = await client.chat.completions.create({
      model, messages, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage = null;
    const roles = [];
    const finishes = [];
    const ids = new Set();
    for await (const chunk of stream) {
      ++chunks;
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.model, model);
      ids.add(chunk.id);
      if (chunk.usage) {
        assert.equal(usage, null, 'usage sent twice');
        assert.deepEqual(chunk.choices, [], 'the usage chunk carries no choices');
        usage = chunk.usage;
      }
      for (const choice of chunk.choices) {
        if (choice.delta.role) roles.push(choice.delta.role);
        if (choice.delta.content) text += choice.delta.content;
        if (choice.finish_reason) finishes.push(choice.finish_reason);
      }
    }
    assert.equal(text, expected.text);
    assert.deepEqual(roles, ['assistant']);
    assert.deepEqual(finishes, ['stop']);
    assert.equal(ids.size, 1, 'every chunk of one completion has the same id');
    assert.ok(chunks >= expected.min_chunks, `${chunks} chunks, expected at least ${expected.min_chunks}`);
    checkUsage(usage);
    return { chunks, text };
  },

  // The SDK's own accumulator, which rebuilds the completion and rejects inconsistent chunks.
  async 'stream-helper'() {
    const runner = client.chat.completions.stream({ model, messages, stream_options: { include_usage: true } });
    let deltas = '';
    runner.on('content', (delta) => { deltas += delta; });
    const completion = await runner.finalChatCompletion();
    assert.equal(completion.choices[0].message.content, expected.text);
    assert.equal(deltas, expected.text);
    assert.equal(completion.choices[0].finish_reason, 'stop');
    checkUsage(completion.usage);
    return { text: completion.choices[0].message.content };
  },

  async tools() {
    const data = await client.chat.completions.create({ model, messages, tools, tool_choice: 'auto' });
    const [choice] = data.choices;
    assert.equal(choice.finish_reason, 'tool_calls');
    const call = checkToolCalls(choice.message.tool_calls);
    return { tool: call.function.name, arguments: call.function.arguments };
  },

  async 'tools-stream'() {
    const runner = client.chat.completions.stream({ model, messages, tools, stream_options: { include_usage: true } });
    const completion = await runner.finalChatCompletion();
    const [choice] = completion.choices;
    assert.equal(choice.finish_reason, 'tool_calls');
    const call = checkToolCalls(choice.message.tool_calls);
    return { tool: call.function.name, arguments: call.function.arguments };
  },

  async logprobs() {
    const data = await client.chat.completions.create({ model, messages, logprobs: true, top_logprobs: 2 });
    const content = data.choices[0].logprobs?.content;
    assert.ok(Array.isArray(content) && content.length > 0, 'no logprobs.content');
    for (const entry of content) {
      assert.equal(typeof entry.token, 'string');
      assert.ok(entry.logprob <= 0, `logprob ${entry.logprob} > 0`);
      assert.equal(entry.top_logprobs.length, 2);
    }
    // As OpenAI's tokens do, each carries the whitespace before it: together they are the text.
    assert.equal(content.map((e) => e.token).join(''), expected.text.trimEnd());
    return { tokens: content.length };
  },

  async error() {
    let caught = null;
    try {
      await client.chat.completions.create({ model, messages });
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof OpenAI.APIError, `expected an APIError, got ${caught}`);
    assert.equal(caught.status, expected.status);
    if (expected.status === 429) assert.ok(caught instanceof OpenAI.RateLimitError);
    if (expected.status >= 500) assert.ok(caught instanceof OpenAI.InternalServerError);
    assert.ok(caught.message.includes(expected.message), `message: ${caught.message}`);
    assert.equal(caught.code ?? null, expected.code ?? null);
    assert.equal(caught.type ?? null, expected.type ?? null);
    if (expected.retry_after) assert.equal(caught.headers?.get('retry-after'), expected.retry_after);
    return { status: caught.status, message: caught.message };
  },
};

const run = cases[name];
if (!run) {
  console.error(`unknown case ${name}; cases: ${Object.keys(cases).join(', ')}`);
  process.exit(2);
}
try {
  const summary = await run();
  console.log(JSON.stringify({ sdk: 'openai', case: name, ok: true, ...summary }));
} catch (err) {
  console.error(`openai SDK, case ${name}: ${err?.stack ?? err}`);
  process.exit(1);
}
