// Subscribes with ioredis and prints, one JSON line each, what it receives.
// usage: node pubsub.js <port> <protocol 2|3> <messages to wait for>
// Prints {"ready":...} once subscribed (the test then publishes), one line per message, then exits.
"use strict";
const Redis = require("ioredis");

const [port, protocol, expected] = process.argv.slice(2).map(Number);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const sub = new Redis({ host: "127.0.0.1", port, protocol, retryStrategy: () => null, maxRetriesPerRequest: 0 });

let received = 0;
function got(o) {
  out(o);
  if (++received === expected) sub.quit().then(() => process.exit(0));
}
sub.on("message", (channel, message) => got({ kind: "message", channel, message }));
sub.on("pmessage", (pattern, channel, message) => got({ kind: "pmessage", pattern, channel, message }));
sub.on("smessage", (channel, message) => got({ kind: "smessage", channel, message }));
sub.on("error", (e) => { out({ error: String(e) }); process.exit(2); });
setTimeout(() => { out({ timeout: received }); process.exit(3); }, 30000);

(async () => {
  const channels = await sub.subscribe("news", "sport");
  const patterns = await sub.psubscribe("n*", "__keyevent@0__:*");
  const shards = await sub.ssubscribe("shard");
  const ready = { ready: true, channels, patterns, shards };
  // RESP3: a subscribed connection still runs ordinary commands.
  if (protocol === 3) ready.get = await sub.get("nosuchkey");
  out(ready);
})().catch((e) => { out({ error: String(e) }); process.exit(2); });
