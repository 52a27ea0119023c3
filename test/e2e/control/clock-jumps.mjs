// Loaded into the binary (NODE_OPTIONS=--import) by tests of the 10-second
// Control-C window: each SIGINT moves Date.now() on by CLOCK_JUMP_MS before
// the binary's own handler reads the clock, so "the second Control-C comes
// 11 seconds after the first" needs no waiting.
const step = Number(process.env.CLOCK_JUMP_MS);
const realNow = Date.now.bind(Date);
let offset = 0;
Date.now = () => realNow() + offset;
process.on("SIGINT", () => {
  offset += step;
});
