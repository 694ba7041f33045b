// Runs one call of the official `@anthropic-ai/sdk` Node SDK against a server (prsm's fake
// provider) and checks what the SDK made of the answer against what the server was scripted
// to say.
//
//   node sdk_anthropic.mjs <case> <base-url> <model> <expected-json>
//
// <base-url> has no /v1 (the SDK adds /v1/messages). Cases: plain, stream, stream-helper,
// tools, tools-stream, error. <expected-json> holds the scripted values the case checks.
// Exit 0 and one JSON summary line when every check held; otherwise the assertion and exit 1.
// No retries (maxRetries: 0): one call, one request, so the server's count can be checked.
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';

const [name, baseURL, model, expectedJson] = process.argv.slice(2);
if (!name || !baseURL || !model || !expectedJson) {
  console.error('usage: node sdk_anthropic.mjs <case> <base-url> <model> <expected-json>');
  process.exit(2);
}
const expected = JSON.parse(expectedJson);
const client = new Anthropic({ apiKey: 'sk-ant-conformance-sdk', baseURL, maxRetries: 0, timeout: 20000 });
const request = {
  model,
  max_tokens: 256,
  system: 'You are brief.',
  messages: [{ role: 'user', content: 'Say hello.' }],
};
const tools = [{
  name: 'get_weather',
  description: 'Current weather in a city',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'],
  },
}];

// prsm's scripts count tokens the OpenAI way (prompt includes cached); Anthropic reports the
// uncached input apart from the cache reads.
function checkUsage(usage) {
  assert.ok(usage, 'usage is missing');
  const cached = expected.cached_tokens ?? 0;
  assert.equal(usage.input_tokens, expected.prompt_tokens - cached);
  assert.equal(usage.cache_read_input_tokens ?? 0, cached);
  assert.equal(usage.output_tokens, expected.completion_tokens);
}

function textOf(message) {
  return message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
}

function checkToolUse(message) {
  assert.equal(message.stop_reason, 'tool_use');
  const uses = message.content.filter((b) => b.type === 'tool_use');
  assert.equal(uses.length, 1, `one tool_use block expected: ${JSON.stringify(message.content)}`);
  const [use] = uses;
  assert.ok(use.id, 'the tool_use block has no id');
  assert.equal(use.name, expected.tool_name);
  assert.deepEqual(use.input, expected.tool_arguments);
  return use;
}

const cases = {
  async plain() {
    const { data, response } = await client.messages.create(request).withResponse();
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(data.type, 'message');
    assert.equal(data.role, 'assistant');
    assert.equal(data.model, model);
    assert.equal(textOf(data), expected.text);
    assert.equal(data.stop_reason, 'end_turn');
    checkUsage(data.usage);
    return { id: data.id, text: textOf(data) };
  },

  // The raw event stream, checked event by event.
  async stream() {
    const stream = await client.messages.create({ ...request, stream: true });
    const types = [];
    let text = '';
    let start = null;
    let delta = null;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'message_start') start = event.message;
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      if (event.type === 'message_delta') delta = event;
    }
    assert.equal(types[0], 'message_start');
    assert.equal(types.at(-1), 'message_stop');
    assert.ok(types.includes('content_block_start') && types.includes('content_block_stop'));
    const deltas = types.filter((t) => t === 'content_block_delta').length;
    assert.ok(deltas >= expected.min_chunks, `${deltas} deltas, expected at least ${expected.min_chunks}`);
    assert.equal(start.model, model);
    assert.equal(text, expected.text);
    assert.equal(delta?.delta.stop_reason, 'end_turn');
    assert.equal(delta.usage.output_tokens, expected.completion_tokens);
    return { events: types.length, text };
  },

  // The SDK's own accumulator, which rebuilds the message and rejects out-of-order events.
  async 'stream-helper'() {
    const stream = client.messages.stream(request);
    let deltas = '';
    stream.on('text', (delta) => { deltas += delta; });
    const message = await stream.finalMessage();
    assert.equal(textOf(message), expected.text);
    assert.equal(deltas, expected.text);
    assert.equal(message.stop_reason, 'end_turn');
    checkUsage(message.usage);
    return { text: textOf(message) };
  },

  async tools() {
    const message = await client.messages.create({ ...request, tools, tool_choice: { type: 'auto' } });
    const use = checkToolUse(message);
    return { tool: use.name, input: use.input };
  },

  async 'tools-stream'() {
    const stream = client.messages.stream({ ...request, tools });
    const message = await stream.finalMessage();
    const use = checkToolUse(message);
    return { tool: use.name, input: use.input };
  },

  async error() {
    let caught = null;
    try {
      await client.messages.create(request);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof Anthropic.APIError, `expected an APIError, got ${caught}`);
    assert.equal(caught.status, expected.status);
    if (expected.status === 429) assert.ok(caught instanceof Anthropic.RateLimitError);
    if (expected.status >= 500) assert.ok(caught instanceof Anthropic.InternalServerError);
    // The body: {"type":"error","error":{"type":...,"message":...}}
    assert.equal(caught.error?.type, 'error');
    assert.equal(caught.error?.error?.type, expected.type);
    assert.ok(caught.message.includes(expected.message), `message: ${caught.message}`);
    if (expected.retry_after) assert.equal(caught.headers?.get('retry-after'), expected.retry_after);
    return { status: caught.status, type: caught.error.error.type };
  },
};

const run = cases[name];
if (!run) {
  console.error(`unknown case ${name}; cases: ${Object.keys(cases).join(', ')}`);
  process.exit(2);
}
try {
  const summary = await run();
  console.log(JSON.stringify({ sdk: 'anthropic', case: name, ok: true, ...summary }));
} catch (err) {
  console.error(`anthropic SDK, case ${name}: ${err?.stack ?? err}`);
  process.exit(1);
}
