// Servers for prsm's security tests, on 127.0.0.1 (ephemeral port). Prints
// "listening on 127.0.0.1:<port>" once ready; exits on SIGTERM.
//
//   node security_server.js tls KEY.pem CERT.pem
//     HTTPS (HTTP/1.1) answering every POST with an OpenAI-shaped chat completion whose text is
//     "hello over tls".
//   node security_server.js redirect LOCATION_BASE
//     Plain HTTP answering every request with the redirect status named by the first path
//     segment (POST /307/v1/chat/completions -> 307) and `Location: LOCATION_BASE<rest of the
//     path>` (here LOCATION_BASE/v1/chat/completions), as a moved API would.
'use strict';
const fs = require('fs');
const http = require('http');
const https = require('https');

const [mode, ...args] = process.argv.slice(2);

function completion(res) {
  const body = JSON.stringify({
    id: 'chatcmpl-tls',
    object: 'chat.completion',
    created: 0,
    model: 'tls-model',
    choices: [{ index: 0, message: { role: 'assistant', content: 'hello over tls' },
                finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
  });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function redirect(req, res) {
  const match = /^\/(\d{3})(\/.*)?$/.exec(req.url);
  const status = match ? Number(match[1]) : 301;
  const rest = match && match[2] ? match[2] : '/';
  res.writeHead(status, { location: args[0] + rest, 'content-type': 'text/plain' });
  res.end('moved\n');
}

let server;
if (mode === 'tls') {
  server = https.createServer({ key: fs.readFileSync(args[0]), cert: fs.readFileSync(args[1]) },
    (req, res) => { req.resume(); req.on('end', () => completion(res)); });
} else if (mode === 'redirect') {
  server = http.createServer((req, res) => { req.resume(); req.on('end', () => redirect(req, res)); });
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
// A failed handshake (an untrusting client) is the point of some tests: not an error here.
server.on('tlsClientError', () => {});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on 127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
