// Sends requests to an OpenAI-compatible server (prsm's fake provider) and validates every
// response body it sends back against the schemas of OpenAI's own OpenAPI spec, with ajv:
// completions against CreateChatCompletionResponse, each SSE chunk of a stream against
// CreateChatCompletionStreamResponse (and the stream must end with `data: [DONE]`), errors
// against ErrorResponse.
//
//   node validate_openai_bodies.mjs <spec.json> <base-url> <cases-json>
//
// <spec.json> must be the nullable-fixed copy (openai-openapi.prism.json): ajv cannot compile
// OpenAPI's `nullable` without a type. <cases-json> is an array of
//   {"name": ..., "path": "/v1/chat/completions", "body": {...},
//    "expect": "completion" | "stream" | "error", "status": 200}
// Prints one line per case and a total; exit 1 if any body is invalid or unexpected.
import fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [specPath, baseURL, casesJson] = process.argv.slice(2);
if (!specPath || !baseURL || !casesJson) {
  console.error('usage: node validate_openai_bodies.mjs <spec.json> <base-url> <cases-json>');
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
// OpenAPI 3.1 schemas are JSON Schema 2020-12; OpenAPI's own keywords (discriminator,
// example, x-...) are not validation keywords, hence strict: false.
const ajv = new Ajv2020.default({ allErrors: true, allowUnionTypes: true, strict: false, logger: false });
addFormats.default(ajv);
ajv.addFormat('unixtime', true);
ajv.addSchema({ $id: 'openai', components: spec.components });
const validators = {};
function validator(name) {
  validators[name] ??= ajv.compile({ $ref: `openai#/components/schemas/${name}` });
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

// Splits an SSE body into the data of its events (RFC: events end with a blank line; data
// lines of one event are joined with newlines).
function sseData(text) {
  const events = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
    if (data.length > 0) events.push(data.join('\n'));
  }
  return events;
}

async function run(testCase) {
  const problems = [];
  const response = await fetch(baseURL + testCase.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-conformance-ajv' },
    body: JSON.stringify(testCase.body),
  });
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  const status = testCase.status ?? (testCase.expect === 'error' ? 400 : 200);
  if (response.status !== status) problems.push(`HTTP ${response.status}, expected ${status}`);
  let bodies = 0;
  if (testCase.expect === 'stream') {
    if (!type.startsWith('text/event-stream')) problems.push(`content-type ${type}, expected text/event-stream`);
    const events = sseData(text);
    if (events.at(-1) !== '[DONE]') problems.push('the stream does not end with data: [DONE]');
    for (const data of events.slice(0, -1)) {
      const chunk = parseJson(data, problems);
      if (chunk !== undefined) check('CreateChatCompletionStreamResponse', chunk, problems);
      ++bodies;
    }
    if (bodies === 0) problems.push('no chunks');
  } else {
    if (!type.startsWith('application/json')) problems.push(`content-type ${type}, expected application/json`);
    const body = parseJson(text, problems);
    if (body !== undefined) {
      check(testCase.expect === 'error' ? 'ErrorResponse' : 'CreateChatCompletionResponse', body, problems);
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
