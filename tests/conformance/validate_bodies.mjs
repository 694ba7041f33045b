// Sends requests to a server (prsm's fake provider) and validates every response body it sends
// back against the schemas of the vendor's own OpenAPI spec, with ajv.
//
//   node validate_bodies.mjs <openai|anthropic> <spec.json> <base-url> <cases-json>
//
// openai:    completions against CreateChatCompletionResponse, each SSE chunk against
//            CreateChatCompletionStreamResponse (the stream must end with `data: [DONE]`),
//            errors against ErrorResponse. <spec.json> must be the nullable-fixed copy
//            (openai-openapi.prism.json): ajv cannot compile OpenAPI's `nullable` without a type.
// anthropic: messages against Message, each SSE event against MessageStreamEvent (its `event:`
//            name must equal the data's type; the spec has no schema for `ping`, which must be
//            {"type":"ping"}; the stream must end with message_stop), errors against
//            ErrorResponse.
// <cases-json> is an array of
//   {"name": ..., "path": "/v1/chat/completions", "body": {...},
//    "expect": "completion" | "stream" | "error", "status": 200}
// Prints one line per case and a total; exit 1 if any body is invalid or unexpected.
import fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const profiles = {
  openai: {
    completion: 'CreateChatCompletionResponse',
    chunk: 'CreateChatCompletionStreamResponse',
    error: 'ErrorResponse',
    headers: { authorization: 'Bearer sk-conformance-ajv' },
  },
  anthropic: {
    completion: 'Message',
    chunk: 'MessageStreamEvent',
    error: 'ErrorResponse',
    headers: { 'x-api-key': 'sk-ant-conformance-ajv', 'anthropic-version': '2023-06-01' },
  },
};
const [vendor, specPath, baseURL, casesJson] = process.argv.slice(2);
const profile = profiles[vendor];
if (!profile || !specPath || !baseURL || !casesJson) {
  console.error('usage: node validate_bodies.mjs <openai|anthropic> <spec.json> <base-url> <cases-json>');
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
// OpenAPI 3.1 schemas are JSON Schema 2020-12; OpenAPI's own keywords (discriminator,
// example, x-...) are not validation keywords, hence strict: false.
const ajv = new Ajv2020.default({ allErrors: true, allowUnionTypes: true, strict: false, logger: false });
addFormats.default(ajv);
ajv.addFormat('unixtime', true);
ajv.addSchema({ $id: 'spec', components: spec.components });
const validators = {};
function validator(name) {
  validators[name] ??= ajv.compile({ $ref: `spec#/components/schemas/${name}` });
  return validators[name];
}

function check(name, document, problems) {
  const validate = validator(name);
  if (validate(document)) return;
  const errors = validate.errors.slice(0, 6).map((e) => `${e.instancePath || '/'} ${e.message}`);
  problems.push(`not a valid ${name}: ${errors.join('; ')}\n    body: ${JSON.stringify(document).slice(0, 400)}`);
}

function parseJson(text, problems) {
  try {
    return JSON.parse(text);
  } catch (err) {
    problems.push(`not JSON (${err.message}): ${text.slice(0, 200)}`);
    return undefined;
  }
}

// Splits an SSE body into its events: {event, data} (events end with a blank line; the data
// lines of one event are joined with newlines).
function sseEvents(text) {
  const events = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const lines = block.split(/\r?\n/);
    const field = (name) => lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).replace(/^ /, ''));
    const data = field('data');
    if (data.length > 0) events.push({ event: field('event')[0] ?? null, data: data.join('\n') });
  }
  return events;
}

// Checks one stream's events; returns how many bodies were validated.
function checkStream(events, problems) {
  let bodies = 0;
  if (vendor === 'openai') {
    if (events.at(-1)?.data !== '[DONE]') problems.push('the stream does not end with data: [DONE]');
    for (const { data } of events.slice(0, -1)) {
      const chunk = parseJson(data, problems);
      if (chunk !== undefined) check(profile.chunk, chunk, problems);
      ++bodies;
    }
    return bodies;
  }
  for (const { event, data } of events) {
    const body = parseJson(data, problems);
    ++bodies;
    if (body === undefined) continue;
    if (event !== body.type) problems.push(`event: ${event} carries data of type ${body.type}`);
    if (body.type === 'ping') {
      if (Object.keys(body).length !== 1) problems.push(`ping with more than a type: ${data}`);
    } else {
      check(profile.chunk, body, problems);
    }
  }
  if (events.at(-1)?.event !== 'message_stop') problems.push('the stream does not end with message_stop');
  return bodies;
}

async function run(testCase) {
  const problems = [];
  const response = await fetch(baseURL + testCase.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...profile.headers },
    body: JSON.stringify(testCase.body),
  });
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  const status = testCase.status ?? (testCase.expect === 'error' ? 400 : 200);
  if (response.status !== status) problems.push(`HTTP ${response.status}, expected ${status}`);
  let bodies = 0;
  if (testCase.expect === 'stream') {
    if (!type.startsWith('text/event-stream')) problems.push(`content-type ${type}, expected text/event-stream`);
    bodies = checkStream(sseEvents(text), problems);
    if (bodies === 0) problems.push('no events');
  } else {
    if (!type.startsWith('application/json')) problems.push(`content-type ${type}, expected application/json`);
    const body = parseJson(text, problems);
    if (body !== undefined) {
      check(testCase.expect === 'error' ? profile.error : profile.completion, body, problems);
    }
    bodies = 1;
  }
  return { bodies, problems };
}

const cases = JSON.parse(casesJson);
let total = 0;
let failed = 0;
for (const testCase of cases) {
  let result;
  try {
    result = await run(testCase);
  } catch (err) {
    result = { bodies: 0, problems: [`request failed: ${err?.cause ?? err}`] };
  }
  total += result.bodies;
  if (result.problems.length === 0) {
    console.log(`ok      ${testCase.name}: ${result.bodies} bod${result.bodies === 1 ? 'y' : 'ies'} valid`);
  } else {
    ++failed;
    console.log(`INVALID ${testCase.name}:\n  ${result.problems.join('\n  ')}`);
  }
}
console.log(`${total} bodies checked in ${cases.length} exchanges; ${failed} exchange(s) with problems`);
process.exit(failed === 0 ? 0 : 1);
