// Blocking pops and WATCH conflicts through ioredis, two connections each, printed as one JSON line.
// usage: node clients.js <port> <scenario: blpop|watch>
"use strict";
const Redis = require("ioredis");

const [portText, scenario] = process.argv.slice(2);
const port = Number(portText);
const connect = () => new Redis({ host: "127.0.0.1", port, retryStrategy: () => null, maxRetriesPerRequest: 0 });
const finish = (o, code = 0) => { process.stdout.write(JSON.stringify(o) + "\n"); process.exit(code); };
setTimeout(() => finish({ timeout: scenario }, 3), 20000);

async function blpop() {
  const waiter = connect(), pusher = connect();
  await waiter.del("jobs");
  const popped = waiter.blpop("jobs", 0);           // blocks on the server
  while ((await pusher.client("list")).split("\n").filter((l) => l.includes("cmd=blpop")).length === 0)
    await new Promise((r) => setTimeout(r, 20));      // until the server shows the client blocked
  const pushed = await pusher.rpush("jobs", "job-1");
  return { pushed, popped: await popped, left: await pusher.llen("jobs") };
}

async function watch() {
  const a = connect(), b = connect();
  await a.set("balance", "100");
  await a.watch("balance");
  await b.incrby("balance", 5);                      // another client writes the watched key
  const conflicted = await a.multi().incrby("balance", 10).exec();  // null: the transaction did not run
  await a.watch("balance");
  const clean = await a.multi().incrby("balance", 10).exec();
  return { conflicted, clean, balance: await b.get("balance") };
}

(scenario === "blpop" ? blpop() : watch()).then((o) => finish(o)).catch((e) => finish({ error: String(e) }, 2));
