// Writes a copy of an OpenAPI spec (JSON) that keeps only the given paths and the components
// they reach through $ref, so Prism loads it in seconds instead of the ~20-70 s the whole
// OpenAI spec (182 paths, 1422 schemas) takes on a busy 2-core machine. What is kept is
// byte-for-byte the spec's own: the kept operations validate exactly as in the full spec.
// Everything at the top level except `paths`, `components` and `webhooks` is kept as is
// (servers, security, ...), and so are `components.securitySchemes`.
//
//   node trim_spec.mjs <in.json> <out.json> <path> [<path> ...]
import fs from 'node:fs';

const [input, output, ...keep] = process.argv.slice(2);
if (!input || !output || keep.length === 0) {
  console.error('usage: node trim_spec.mjs <in.json> <out.json> <path> [<path> ...]');
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(input, 'utf8'));
const paths = {};
for (const path of keep) {
  if (!spec.paths?.[path]) {
    console.error(`${input} has no path ${path}`);
    process.exit(1);
  }
  paths[path] = spec.paths[path];
}

// Follows every local $ref ("#/components/<kind>/<name>") from the kept paths, transitively.
const components = { securitySchemes: spec.components?.securitySchemes };
const seen = new Set();
const pending = [paths];
while (pending.length > 0) {
  const node = pending.pop();
  if (Array.isArray(node)) {
    pending.push(...node);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const match = /^#\/components\/([^/]+)\/(.+)$/.exec(value);
        if (!match) {
          console.error(`unsupported $ref ${value}`);
          process.exit(1);
        }
        if (seen.has(value)) continue;
        seen.add(value);
        const [, kind, escaped] = match;
        const name = escaped.replace(/~1/g, '/').replace(/~0/g, '~');
        const target = spec.components?.[kind]?.[name];
        if (target === undefined) {
          console.error(`dangling $ref ${value}`);
          process.exit(1);
        }
        components[kind] ??= {};
        components[kind][name] = target;
        pending.push(target);
      } else {
        pending.push(value);
      }
    }
  }
}

const trimmed = { ...spec, paths, components };
delete trimmed.webhooks;  // OpenAPI 3.1 webhooks are not served and may reach other components
fs.writeFileSync(output, JSON.stringify(trimmed));
console.log(`${keep.length} path(s), ${seen.size} component(s) of ${input} -> ${output}`);
