// Module hooks for trace-modules.mjs.
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.includes("/node_modules/")) process.stderr.write(`LOADED ${resolved.url}\n`);
  return resolved;
}
