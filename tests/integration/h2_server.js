// A TLS server speaking HTTP/2 (and HTTP/1.1 as a fallback) on 127.0.0.1 for prsm's executor
// tests. Usage: node h2_server.js KEY.pem CERT.pem
// Prints "listening on 127.0.0.1:<port>" once ready; exits on SIGTERM. Every response names
// the HTTP version of the request and the id of the TLS session (connection) it came on, so a
// test can see multiplexing from the client side.
'use strict';
const fs = require('fs');
const http2 = require('http2');

const [keyFile, certFile] = process.argv.slice(2);
let sessions = 0;
const server = http2.createSecureServer({
  key: fs.readFileSync(keyFile),
  cert: fs.readFileSync(certFile),
  allowHTTP1: true,
});
server.on('session', (session) => { session.prsmId = ++sessions; });
server.on('request', (req, res) => {
  req.resume();
  req.on('end', () => {
    const session = req.stream && req.stream.session ? req.stream.session.prsmId : 0;
    // A little latency, so concurrent requests overlap on the wire.
    setTimeout(() => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-http-version': req.httpVersion,
        'x-session-id': String(session),
      });
      res.end(JSON.stringify({ id: 'chatcmpl-h2', object: 'chat.completion', choices: [] }));
    }, 20);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on 127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
